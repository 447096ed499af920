// Metric names and help texts in one place; docs/metrics.md is generated from this table.
export interface MetricSpec {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  /** Labels beyond the common set (platform, host, port, transport, kind). */
  labels?: readonly string[];
  /** Kinds that emit it; absent for the core set every kind emits. */
  kinds?: readonly string[];
  /** False for series without the common labels. */
  common?: boolean;
}

import { SCENARIO_KINDS } from '../../scenarios/index.ts';

export const COMMON_LABELS = ['platform', 'host', 'port', 'transport', 'kind'] as const;

export const METRICS = {
  success: { name: 'probe_success', type: 'gauge', help: 'Whether the last run of the check worked (1 for ok or degraded, 0 for failed).' },
  degraded: { name: 'probe_degraded', type: 'gauge', help: 'Whether the last run worked below what the documents ask (1) or not (0).' },
  duration: { name: 'probe_duration_seconds', type: 'gauge', help: 'Duration of the last run of the check.' },
  phase: { name: 'probe_phase_duration_seconds', type: 'gauge', help: 'Duration of each phase of the last run (every phase present, 0 when not reached).', labels: ['phase'] },
  runs: { name: 'probe_check_runs_total', type: 'counter', help: 'Check runs by result and reason: the SLI.', labels: ['result', 'reason'] },
  lastRun: { name: 'probe_last_run_timestamp_seconds', type: 'gauge', help: 'Unix time at which the last run of the check ended.' },
  dnsDrift: { name: 'probe_dns_ip_drift', type: 'gauge', help: 'Whether DNS answered addresses outside the documented ones (1) or not (0).', kinds: ['dns'] },
  dnsAddresses: { name: 'probe_dns_answer_addresses', type: 'gauge', help: 'Number of A and AAAA addresses in the last answer.', kinds: ['dns'] },
  tlsExpiry: { name: 'probe_tls_cert_expiry_timestamp_seconds', type: 'gauge', help: 'Unix time at which the leaf certificate expires.', kinds: ['tls'] },
  tlsVersion: { name: 'probe_tls_version_info', type: 'gauge', help: 'Negotiated TLS version (value 1).', labels: ['version'], kinds: ['tls'] },
  tlsIntercepted: { name: 'probe_tls_intercepted', type: 'gauge', help: 'Whether the TLS chain looks re-signed by a middlebox: 1 detected (expectations not met), 0.5 suspected (local non-public root), 0 none.', kinds: ['tls'] },
  ocspStatus: { name: 'probe_ocsp_status_info', type: 'gauge', help: 'OCSP status of the certificate (value 1): good, revoked, unknown, or error when no verified answer was obtained.', labels: ['status'], kinds: ['ocsp'] },
  ocspResponse: { name: 'probe_ocsp_response_seconds', type: 'gauge', help: 'Latency of the OCSP responder.', kinds: ['ocsp'] },
  ocspNextUpdate: { name: 'probe_ocsp_next_update_timestamp_seconds', type: 'gauge', help: 'Unix time of the nextUpdate of the verified OCSP answer.', kinds: ['ocsp'] },
  ocspStapled: { name: 'probe_tls_ocsp_stapled', type: 'gauge', help: 'Whether the server staples an OCSP response in the handshake (1) or not (0).', kinds: ['ocsp'] },
  httpStatus: { name: 'probe_http_status_code', type: 'gauge', help: 'Final HTTP status code of the last run (0 when none).', kinds: ['http'] },
  stunRtt: { name: 'probe_stun_rtt_seconds', type: 'gauge', help: 'Round-trip time of the answered STUN Binding request (from its own send, retransmissions excluded).', kinds: ['stun'] },
  turnAllocate: { name: 'probe_turn_allocate_seconds', type: 'gauge', help: 'Time of the TURN Allocate exchange (challenge and authenticated request).', kinds: ['turn', 'turns'] },
  relayLoss: { name: 'probe_relay_packet_loss_ratio', type: 'gauge', help: 'Share of the relay test stream lost between the two allocations (0-1).', kinds: ['relay'] },
  relayJitter: { name: 'probe_relay_jitter_seconds', type: 'gauge', help: 'RFC 3550 interarrival jitter of the relay test stream.', kinds: ['relay'] },
  relayRtt: { name: 'probe_relay_rtt_seconds', type: 'gauge', help: 'Round-trip time through the relay (min, avg, max).', labels: ['stat'], kinds: ['relay'] },
  relayThroughput: { name: 'probe_relay_throughput_bytes_per_second', type: 'gauge', help: 'Payload bytes per second received through the relay.', kinds: ['relay'] },
  clockOffset: { name: 'probe_clock_offset_seconds', type: 'gauge', help: 'Offset of the local clock against the time source (positive: local clock behind).', kinds: ['clock'] },
  webrtcFrameHeight: { name: 'probe_webrtc_frame_height', type: 'gauge', help: 'Height in pixels of the video sent (outbound) and received (inbound) at the end of the window.', labels: ['scenario', 'direction'], kinds: SCENARIO_KINDS },
  webrtcFrameWidth: { name: 'probe_webrtc_frame_width', type: 'gauge', help: 'Width in pixels of the video sent (outbound) and received (inbound) at the end of the window.', labels: ['scenario', 'direction'], kinds: SCENARIO_KINDS },
  webrtcFps: { name: 'probe_webrtc_frames_per_second', type: 'gauge', help: 'Video frame rate over the second half of the window.', labels: ['scenario', 'direction'], kinds: SCENARIO_KINDS },
  webrtcThroughput: { name: 'probe_webrtc_video_bytes_per_second', type: 'gauge', help: 'Video payload bytes per second over the window.', labels: ['scenario', 'direction'], kinds: SCENARIO_KINDS },
  webrtcLoss: { name: 'probe_webrtc_packet_loss_ratio', type: 'gauge', help: 'Video packet loss (0-1): outbound as reported by the far end, inbound as counted by the receiver.', labels: ['scenario', 'direction'], kinds: SCENARIO_KINDS },
  webrtcJitter: { name: 'probe_webrtc_jitter_seconds', type: 'gauge', help: 'Video interarrival jitter.', labels: ['scenario', 'direction'], kinds: SCENARIO_KINDS },
  webrtcRtt: { name: 'probe_webrtc_rtt_seconds', type: 'gauge', help: 'Round-trip time of the media path.', labels: ['scenario'], kinds: SCENARIO_KINDS },
  webrtcIce: { name: 'probe_webrtc_ice_connect_seconds', type: 'gauge', help: 'Time from peer connection creation to ICE connected (slowest connection of the run).', labels: ['scenario'], kinds: SCENARIO_KINDS },
  webrtcGathering: { name: 'probe_webrtc_ice_gathering_seconds', type: 'gauge', help: 'Time to complete ICE candidate gathering.', labels: ['scenario'], kinds: SCENARIO_KINDS },
  webrtcTo720p: { name: 'probe_webrtc_time_to_720p_seconds', type: 'gauge', help: 'Time from ICE connected to the first 1280×720 frame sent.', labels: ['scenario'], kinds: SCENARIO_KINDS },
  webrtcCandidate: { name: 'probe_webrtc_candidate_info', type: 'gauge', help: 'Selected candidate pair of the media (value 1): local and remote candidate types, protocol, relay protocol.', labels: ['scenario', 'local_type', 'remote_type', 'protocol', 'relay_protocol'], kinds: SCENARIO_KINDS },
  webrtcFreeze: { name: 'probe_webrtc_freeze_seconds', type: 'gauge', help: 'Total duration of video freezes on the receive side during the window.', labels: ['scenario'], kinds: SCENARIO_KINDS },
  webrtcMos: { name: 'probe_webrtc_audio_mos', type: 'gauge', help: 'Estimated audio MOS (1-4.5, simplified E-model from RTT, jitter and loss).', labels: ['scenario'], kinds: SCENARIO_KINDS },
  webrtcQuality: { name: 'probe_webrtc_quality_limitation_info', type: 'gauge', help: 'Why the encoder limited the sent video at the end of the window (value 1): none, bandwidth, cpu, other.', labels: ['scenario', 'reason'], kinds: SCENARIO_KINDS },
  browserMemory: { name: 'probe_browser_peak_memory_bytes', type: 'gauge', help: "Peak memory of the browser's whole process tree during the run (sum of PSS, shared pages counted once).", labels: ['scenario'], kinds: SCENARIO_KINDS },
  skipped: { name: 'probe_check_skipped_total', type: 'counter', help: 'Scheduled runs skipped because the previous run of the same check was still going.', labels: ['cause'] },
  rcpNextStart: { name: 'rcp_session_next_start_timestamp_seconds', type: 'gauge', help: 'Unix time at which the next occurrence of each RCP session starts.', labels: ['platform', 'session'], common: false },
  rcpInWindow: { name: 'rcp_session_in_window', type: 'gauge', help: 'Whether the session is within its pre-session window or under way (1) or not (0).', labels: ['platform', 'session'], common: false },
  remotePolls: { name: 'vigie_remote_catalog_polls_total', type: 'counter', help: "Polls of the region's catalog bundle, by result (ok, error).", labels: ['result'], common: false },
  remoteLastOk: { name: 'vigie_remote_catalog_last_success_timestamp_seconds', type: 'gauge', help: "Unix time of the last successful poll of the region's catalog bundle.", common: false },
  buildInfo: { name: 'vigie_build_info', type: 'gauge', help: 'Version of the running probe (value 1).', labels: ['version', 'node_version'], common: false },
  checksConfigured: { name: 'vigie_checks_configured', type: 'gauge', help: 'Checks the probe runs, by kind.', labels: ['kind'], common: false },
} as const satisfies Record<string, MetricSpec>;
