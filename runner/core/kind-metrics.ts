// Readers for the metric families kinds declare: most export one numeric observation as a gauge.
import type { KindMetric } from './definition.ts';
import type { MetricSpec } from './metric-spec.ts';
import type { ObservationKey } from './observations.ts';

export const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A gauge of one numeric observation, absent when the result does not carry it. */
export function observedNumber(spec: MetricSpec, key: ObservationKey): KindMetric {
  return {
    spec,
    read(r, emit) {
      const v = finite(r.observations[key]);
      if (v !== undefined) emit(v);
    },
  };
}
