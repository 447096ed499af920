// How a metric family is described, wherever it is declared (the core set in runner/telemetry, a
// kind's own families in its definition); docs/metrics.md is generated from these.
export interface MetricSpec {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  /** Labels beyond the common set (platform, host, port, transport, kind). */
  labels?: readonly string[];
  /** False for series without the common labels. */
  common?: boolean;
}

export const COMMON_LABELS = ['platform', 'host', 'port', 'transport', 'kind'] as const;
