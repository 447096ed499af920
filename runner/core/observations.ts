// The observation keys a check may report, in one closed vocabulary: producers (probes, scenarios)
// and consumers (metrics, status page, report, CLI tables) name the same typed key, so a renamed
// key is a compile error rather than a silently empty column.

/** A value the probe observed: kept flat so it maps to JSON, the status page and the report alike. */
export type Observation = string | number | boolean | null | readonly string[];

const NETWORK = [
  // where the check went and how
  'address', 'transport', 'after_payload', 'via_proxy', 'connect_to', 'proxy_auth_schemes', 'method', 'source', 'cached', 'flow',
  // dns
  'addresses', 'addresses6', 'ttl_seconds', 'documented', 'undocumented', 'drift_expected',
  // tls and certificates
  'tls_version', 'cipher', 'alpn', 'trusted', 'authorization_error', 'leaf_subject', 'leaf_issuer', 'leaf_sha256', 'san',
  'not_after', 'not_after_timestamp', 'days_to_expiry', 'chain_subjects', 'chain_defects', 'root_source', 'interception',
  // ocsp
  'status', 'stapled', 'responder_url', 'responder_latency_seconds', 'request_bytes', 'response_bytes', 'nonce_echoed',
  'this_update', 'next_update', 'next_update_timestamp', 'revocation_time', 'revocation_reason', 'issuer_subject',
  'issuer_sha256', 'issuer_fetched', 'ca_issuers_url', 'ca_issuers_subject', 'ca_issuers_error',
  // http
  'status_code', 'final_url', 'redirects', 'body_bytes', 'proxy_path',
  // stun, turn, relay
  'rtt_seconds', 'transmissions', 'software', 'stun_error_code', 'port_role', 'mapped_address', 'relayed_address', 'redirected_to', 'permission', 'auth', 'realm', 'released',
  'relay_transport', 'packets_sent', 'packets_skipped', 'packets_received', 'loss_ratio', 'jitter_seconds', 'throughput_bytes_per_second',
  'rtt_min_seconds', 'rtt_avg_seconds', 'rtt_max_seconds', 'receive_window_seconds', 'bytes_sent',
  // clock
  'offset_seconds', 'delay_seconds', 'stratum', 'ntp_error',
] as const;

const MEDIA = [
  'scenario', 'room', 'participants', 'steps', 'failed_step', 'screenshot', 'browser_memory_peak_bytes', 'browser_sandbox',
  'peer_connections', 'candidates_gathered', 'candidate_errors', 'ice_gathering_seconds', 'ice_connected_seconds',
  'ice_needed_flows', 'interrupted_after_seconds', 'local_candidate_type', 'remote_candidate_type', 'candidate_protocol', 'relay_protocol', 'remote_port', 'remote_address',
  'outbound_frame_width', 'outbound_frame_height', 'outbound_fps', 'outbound_bytes_per_second', 'outbound_packet_loss_ratio',
  'outbound_jitter_seconds', 'inbound_frame_width', 'inbound_frame_height', 'inbound_fps', 'inbound_bytes_per_second',
  'inbound_packet_loss_ratio', 'inbound_jitter_seconds', 'inbound_audio_samples', 'time_to_720p_seconds',
  'quality_limitation_reason', 'quality_limited_bandwidth_seconds', 'quality_limited_cpu_seconds', 'frames_encoded',
  'frames_decoded', 'freeze_count', 'freeze_seconds', 'audio_mos', 'bytes_received',
] as const;

export const OBSERVATION_KEYS: readonly string[] = [...new Set([...NETWORK, ...MEDIA])];

export type ObservationKey = (typeof NETWORK)[number] | (typeof MEDIA)[number];

/** What a check observed, by documented key. */
export type Observations = Partial<Record<ObservationKey, Observation>>;

export function isObservationKey(key: string): key is ObservationKey {
  return OBSERVATION_KEYS.includes(key);
}
