// Every PromQL expression of the dashboards, apart from their layout. Selectors filter on the
// dashboard variables; the establishment and region labels are the external labels Prometheus
// adds where it scrapes each probe. The test in test/views.test.ts runs every one of these against
// a real Prometheus that scraped a real probe run.

/** The variable filter every fleet, establishment and media query carries. */
export const SEL = 'region=~"$region", establishment=~"$establishment", platform=~"$platform"';
const HOST = 'host=~"$host", establishment=~"$establishment"';

/** 1 ok, 0.5 degraded, 0 failed: one number a colour scale reads. */
const score = (by: string, sel = SEL) => `min by (${by}) (probe_success{${sel}} - 0.5 * probe_degraded{${sel}})`;

export const Q = {
  fleet: {
    matrix: score('region, establishment, platform'),
    platformHealthyShare: `avg by (platform) (min by (establishment, platform) (probe_success{${SEL}}))`,
    failingEstablishments: `count by (platform) (min by (establishment, platform) (probe_success{${SEL}}) == 0)`,
    errorBudgetLeft: `1 - (1 - sum by (platform) (increase(probe_check_runs_total{result!="failed", ${SEL}}[$__range])) / sum by (platform) (increase(probe_check_runs_total{${SEL}}[$__range]))) / (1 - 0.99)`,
    failing: `sum by (establishment, platform, host, port, transport, kind, reason) (increase(probe_check_runs_total{result="failed", ${SEL}}[$__range])) > 0`,
    probesUp: `count by (region) (vigie_build_info{region=~"$region", establishment=~"$establishment"})`,
  },
  establishment: {
    matrix: `probe_success{${SEL}} - 0.5 * probe_degraded{${SEL}}`,
    history: score('platform, host, port, transport'),
    reasons: `sum by (platform, reason) (increase(probe_check_runs_total{result!="ok", ${SEL}}[$__range])) > 0`,
    sessionsNext: `rcp_session_next_start_timestamp_seconds{${SEL}} * 1000`,
    sessionsInWindow: `rcp_session_in_window{${SEL}}`,
    sessionReadiness: `min by (platform) (probe_success{${SEL}}) and on (platform) max by (platform) (rcp_session_next_start_timestamp_seconds{${SEL}})`,
    clockOffset: `probe_clock_offset_seconds{region=~"$region", establishment=~"$establishment"}`,
    probeMemory: `process_resident_memory_bytes{region=~"$region", establishment=~"$establishment"}`,
    probeHeap: `nodejs_heap_size_used_bytes{region=~"$region", establishment=~"$establishment"}`,
    probeFds: `process_open_fds{region=~"$region", establishment=~"$establishment"}`,
  },
  endpoint: {
    phases: `avg by (establishment, kind, phase) (probe_phase_duration_seconds{${HOST}, kind=~"http|tls|tcp"})`,
    stunRtt: `probe_stun_rtt_seconds{${HOST}}`,
    turnAllocate: `probe_turn_allocate_seconds{${HOST}}`,
    tlsExpiryDays: `(min by (establishment, host, port) (probe_tls_cert_expiry_timestamp_seconds{${HOST}}) - time()) / 86400`,
    ocspStatus: `max by (establishment, host, port, status) (probe_ocsp_status_info{${HOST}})`,
    dnsAddresses: `probe_dns_answer_addresses{${HOST}}`,
    dnsDrift: `max by (establishment, host) (probe_dns_ip_drift{${HOST}})`,
    success: `probe_success{${HOST}}`,
  },
  media: {
    frameHeight: `probe_webrtc_frame_height{${SEL}}`,
    fps: `probe_webrtc_frames_per_second{${SEL}}`,
    bitrate: `probe_webrtc_video_bytes_per_second{${SEL}} * 8`,
    loss: `probe_webrtc_packet_loss_ratio{${SEL}}`,
    jitter: `probe_webrtc_jitter_seconds{${SEL}}`,
    rtt: `probe_webrtc_rtt_seconds{${SEL}}`,
    ice: `probe_webrtc_ice_connect_seconds{${SEL}}`,
    to720p: `probe_webrtc_time_to_720p_seconds{${SEL}}`,
    candidates: `max by (establishment, platform, scenario, local_type, remote_type, protocol, relay_protocol) (probe_webrtc_candidate_info{${SEL}})`,
    mos: `probe_webrtc_audio_mos{${SEL}}`,
    relayLoss: `probe_relay_packet_loss_ratio{${SEL}}`,
    relayJitter: `probe_relay_jitter_seconds{${SEL}}`,
    relayThroughput: `probe_relay_throughput_bytes_per_second{${SEL}} * 8`,
  },
} as const;
