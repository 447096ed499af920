// The core metric families every check exports, and the probe's own; each kind's families sit in
// its definition (runner/core/definition.ts). docs/metrics.md is generated from both.
import type { MetricSpec } from '../core/metric-spec.ts';

export { COMMON_LABELS, type MetricSpec } from '../core/metric-spec.ts';

export const METRICS = {
  success: { name: 'probe_success', type: 'gauge', help: 'Whether the last run of the check worked (1 for ok or degraded, 0 for failed; absent while unproven).' },
  unproven: { name: 'probe_unproven', type: 'gauge', help: 'Whether the last run proved the flow neither open nor closed (1: an ICE media port that answers only live sessions) or not (0).' },
  degraded: { name: 'probe_degraded', type: 'gauge', help: 'Whether the last run worked below what the documents ask (1) or not (0).' },
  duration: { name: 'probe_duration_seconds', type: 'gauge', help: 'Duration of the last run of the check.' },
  phase: { name: 'probe_phase_duration_seconds', type: 'gauge', help: 'Duration of each phase of the last run (every phase present, 0 when not reached).', labels: ['phase'] },
  runs: { name: 'probe_check_runs_total', type: 'counter', help: 'Check runs by result and reason: the SLI.', labels: ['result', 'reason'] },
  lastRun: { name: 'probe_last_run_timestamp_seconds', type: 'gauge', help: 'Unix time at which the last run of the check ended.' },
  interval: { name: 'probe_check_interval_seconds', type: 'gauge', help: "Longest time between two scheduled runs of the check (from its schedule): the alert rules treat a result older than twice this, plus 2 minutes, as stale." },
  skipped: { name: 'probe_check_skipped_total', type: 'counter', help: 'Scheduled runs skipped because the previous run of the same check was still going.', labels: ['cause'] },
  missed: { name: 'vigie_schedule_missed_total', type: 'counter', help: 'Scheduled times that passed without a run (the event loop blocked for more than 10 s, or the wall clock stepped forward over them), by kind.', labels: ['kind'], common: false },
  rcpNextStart: { name: 'rcp_session_next_start_timestamp_seconds', type: 'gauge', help: 'Unix time at which the next occurrence of each RCP session starts.', labels: ['platform', 'session'], common: false },
  rcpStartOffset: {
    name: 'rcp_session_next_start_utc_offset_seconds',
    type: 'gauge',
    help: "Offset of Europe/Paris from UTC at the next start of each RCP session (3600 in winter, 7200 in summer), so that alert texts give the start in French local time.",
    labels: ['platform', 'session'],
    common: false,
  },
  rcpNeeds: {
    name: 'rcp_session_dependency_in_window',
    type: 'gauge',
    help: "What each RCP session needs, one series per platform it relies on (its own, those it depends on, and site for the clock and proxy checks): 1 while the session is in its pre-session window or under way, else 0.",
    labels: ['platform', 'session', 'session_platform'],
    common: false,
  },
  rcpInWindow: { name: 'rcp_session_in_window', type: 'gauge', help: 'Whether the session is within its pre-session window or under way (1) or not (0).', labels: ['platform', 'session'], common: false },
  remotePolls: { name: 'vigie_remote_catalog_polls_total', type: 'counter', help: "Polls of the region's catalog bundle, by result (ok; error: unreachable or invalid; refused_signature: not signed by a pinned key).", labels: ['result'], common: false },
  remoteRefused: { name: 'vigie_remote_destinations_refused', type: 'gauge', help: "Destinations of the applied region bundle that the establishment's destinations settings refuse (left out of the plan).", common: false },
  remoteLastOk: { name: 'vigie_remote_catalog_last_success_timestamp_seconds', type: 'gauge', help: "Unix time of the last successful poll of the region's catalog bundle.", common: false },
  flowStatus: {
    name: 'probe_flow_status',
    type: 'gauge',
    help: 'Verdict of each documented flow from its evidence (protocol checks, media the scenarios sent): value 1 on the series of the current status (proven, failed, unproven).',
    labels: ['platform', 'host', 'port', 'transport', 'direction', 'status'],
    common: false,
  },
  buildInfo: { name: 'vigie_build_info', type: 'gauge', help: 'Version of the running probe (value 1).', labels: ['version', 'node_version'], common: false },
  residentMemory: { name: 'process_resident_memory_bytes', type: 'gauge', help: "Resident memory of the probe's own process (its browsers excluded; see probe_browser_peak_memory_bytes).", common: false },
  heapUsed: { name: 'nodejs_heap_size_used_bytes', type: 'gauge', help: "Bytes of the JavaScript heap in use.", common: false },
  openFds: { name: 'process_open_fds', type: 'gauge', help: 'File descriptors the probe holds open (Linux).', common: false },
  checksConfigured: { name: 'vigie_checks_configured', type: 'gauge', help: 'Checks the probe runs, by kind.', labels: ['kind'], common: false },
} as const satisfies Record<string, MetricSpec>;
