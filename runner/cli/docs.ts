// Markdown generated from the tables in code, so the documentation cannot fall behind.
import { KINDS } from '../config/kinds.ts';
import { REASONS, REASON_NAMES } from '../core/reasons.ts';
import { COMMON_LABELS, METRICS, type MetricSpec } from '../telemetry/metric-names.ts';
import { kindMetricFamilies } from '../telemetry/metrics.ts';

export function renderReasonsDoc(): string {
  const rows = REASON_NAMES.map((r) => `| \`${r}\` | ${REASONS[r].en} | ${REASONS[r].fr} | ${REASONS[r].remedy} |`);
  return `# Failure reasons

Generated from \`runner/core/reasons.ts\` by \`npm run docs\`; do not edit by hand.

Every check result carries \`status\` (\`ok\`, \`degraded\`, \`failed\`, \`unproven\`: what the check saw proves
the flow neither open nor closed) and \`reason\`, one of the stable
words below. \`remedy\` says who acts: \`open_flow\` (the establishment's firewall), \`dns\`, \`platform\`
(the platform operator), \`tls_inspection\` (a middlebox re-signing or inspecting TLS), \`protocol_inspection\`
(a firewall resetting a flow that is not TLS), \`proxy\`, \`clock\`,
\`bandwidth\` (the establishment's uplink or QoS), \`network_path\` (the path itself: MTU, ICMP filtering), \`probe\` (the probe's own host or browser).

| reason | meaning | texte affiché | remedy |
|---|---|---|---|
${rows.join('\n')}
`;
}

export function renderMetricsDoc(): string {
  const row = (m: MetricSpec, kinds: string) => {
    const labels = [...(m.common === false ? [] : COMMON_LABELS), ...(m.labels ?? [])];
    return `| \`${m.name}\` | ${m.type} | ${labels.map((l) => `\`${l}\``).join(', ')} | ${kinds} | ${m.help} |`;
  };
  // Every check's families, then each kind's own, then the probe's (no common labels).
  const all: MetricSpec[] = Object.values(METRICS);
  const rows = [
    ...all.filter((m) => m.common !== false).map((m) => row(m, 'all')),
    ...[...kindMetricFamilies().values()].map((f) => row(f.spec, [...f.readers.keys()].join(', '))),
    ...all.filter((m) => m.common === false).map((m) => row(m, '–')),
  ];
  const phases = Object.entries(KINDS).map(([k, def]) => `| ${k} | ${def.phases.map((p) => `\`${p}\``).join(', ')} |`);
  return `# Metrics

Generated from \`runner/telemetry/metric-names.ts\` and the kinds' definitions by \`npm run docs\`; do not edit by hand.

Served at \`/metrics\` (default port 9464) by the OpenTelemetry Prometheus exporter. Common labels:
\`platform\` (catalog platform id, or \`site\` for site-wide checks), \`host\`, \`port\` (empty for dns),
\`transport\` and \`kind\`. The establishment and the region are **not** probe labels: Prometheus adds
them as external labels where it scrapes the probe. No URL, IP address or room name is a label value.
Browser scenarios add \`scenario\` (the name of the config entry) and, for media, \`direction\`
(\`outbound\`: what the probe sends; \`inbound\`: what it receives).

| metric | type | labels | kinds | meaning |
|---|---|---|---|---|
${rows.join('\n')}

## Phases (\`probe_phase_duration_seconds{phase}\`)

Every phase of a kind is present in every result, 0 when it was not reached.

| kind | phases |
|---|---|
${phases.join('\n')}
`;
}
