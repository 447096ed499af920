// The metric families of every browser scenario kind: what the media did, per direction where it
// has one. The scenario's name (a config name, never a URL or a room) is a label.
import type { CheckResult } from '../../runner/core/contract.ts';
import type { KindMetric } from '../../runner/core/definition.ts';
import { finite } from '../../runner/core/kind-metrics.ts';
import type { MetricSpec } from '../../runner/core/metric-spec.ts';
import type { ObservationKey } from '../../runner/core/observations.ts';

const scenarioOf = (r: CheckResult) => String(r.observations.scenario ?? '');

function perScenario(spec: MetricSpec, key: ObservationKey): KindMetric {
  return {
    spec,
    read(r, emit) {
      const v = finite(r.observations[key]);
      if (v !== undefined) emit(v, { scenario: scenarioOf(r) });
    },
  };
}

function perDirection(spec: MetricSpec, outbound: ObservationKey, inbound: ObservationKey): KindMetric {
  return {
    spec,
    read(r, emit) {
      for (const [direction, key] of [['outbound', outbound], ['inbound', inbound]] as const) {
        const v = finite(r.observations[key]);
        if (v !== undefined) emit(v, { scenario: scenarioOf(r), direction });
      }
    },
  };
}

export const WEBRTC_METRICS: readonly KindMetric[] = [
  perDirection({ name: 'probe_webrtc_frame_height', type: 'gauge', help: 'Height in pixels of the video sent (outbound) and received (inbound) at the end of the window.', labels: ['scenario', 'direction'] }, 'outbound_frame_height', 'inbound_frame_height'),
  perDirection({ name: 'probe_webrtc_frame_width', type: 'gauge', help: 'Width in pixels of the video sent (outbound) and received (inbound) at the end of the window.', labels: ['scenario', 'direction'] }, 'outbound_frame_width', 'inbound_frame_width'),
  perDirection({ name: 'probe_webrtc_frames_per_second', type: 'gauge', help: 'Video frame rate over the second half of the window.', labels: ['scenario', 'direction'] }, 'outbound_fps', 'inbound_fps'),
  perDirection({ name: 'probe_webrtc_video_bytes_per_second', type: 'gauge', help: 'Video payload bytes per second over the window.', labels: ['scenario', 'direction'] }, 'outbound_bytes_per_second', 'inbound_bytes_per_second'),
  perDirection({ name: 'probe_webrtc_packet_loss_ratio', type: 'gauge', help: 'Video packet loss (0-1): outbound as reported by the far end, inbound as counted by the receiver.', labels: ['scenario', 'direction'] }, 'outbound_packet_loss_ratio', 'inbound_packet_loss_ratio'),
  perDirection({ name: 'probe_webrtc_jitter_seconds', type: 'gauge', help: 'Video interarrival jitter.', labels: ['scenario', 'direction'] }, 'outbound_jitter_seconds', 'inbound_jitter_seconds'),
  perScenario({ name: 'probe_webrtc_rtt_seconds', type: 'gauge', help: 'Round-trip time of the media path.', labels: ['scenario'] }, 'rtt_seconds'),
  perScenario({ name: 'probe_webrtc_ice_connect_seconds', type: 'gauge', help: 'Time from peer connection creation to ICE connected (slowest connection of the run).', labels: ['scenario'] }, 'ice_connected_seconds'),
  perScenario({ name: 'probe_webrtc_ice_gathering_seconds', type: 'gauge', help: 'Time to complete ICE candidate gathering.', labels: ['scenario'] }, 'ice_gathering_seconds'),
  perScenario({ name: 'probe_webrtc_time_to_720p_seconds', type: 'gauge', help: 'Time from ICE connected to the first 1280×720 frame sent.', labels: ['scenario'] }, 'time_to_720p_seconds'),
  {
    spec: { name: 'probe_webrtc_candidate_info', type: 'gauge', help: 'Selected candidate pair of the media (value 1): local and remote candidate types, protocol, relay protocol.', labels: ['scenario', 'local_type', 'remote_type', 'protocol', 'relay_protocol'] },
    read(r, emit) {
      const x = r.observations;
      if (typeof x.local_candidate_type !== 'string') return;
      emit(1, { scenario: scenarioOf(r), local_type: x.local_candidate_type, remote_type: String(x.remote_candidate_type ?? ''), protocol: String(x.candidate_protocol ?? ''), relay_protocol: String(x.relay_protocol ?? '') });
    },
  },
  perScenario({ name: 'probe_webrtc_freeze_seconds', type: 'gauge', help: 'Total duration of video freezes on the receive side during the window.', labels: ['scenario'] }, 'freeze_seconds'),
  perScenario({ name: 'probe_webrtc_audio_mos', type: 'gauge', help: 'Estimated audio MOS (1-4.5, simplified E-model from RTT, jitter and loss).', labels: ['scenario'] }, 'audio_mos'),
  {
    spec: { name: 'probe_webrtc_quality_limitation_info', type: 'gauge', help: 'Why the encoder limited the sent video at the end of the window (value 1): none, bandwidth, cpu, other.', labels: ['scenario', 'reason'] },
    read(r, emit) {
      if (typeof r.observations.quality_limitation_reason === 'string') emit(1, { scenario: scenarioOf(r), reason: r.observations.quality_limitation_reason });
    },
  },
  perScenario({ name: 'probe_browser_peak_memory_bytes', type: 'gauge', help: "Peak memory of the browser's whole process tree during the run (sum of PSS, shared pages counted once).", labels: ['scenario'] }, 'browser_memory_peak_bytes'),
];
