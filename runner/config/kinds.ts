// Every check kind, probes and browser scenarios alike, under one name: what the planner, the
// executor, the metrics and the rules iterate over.
import { PROBES } from '../../probes/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import type { CheckKind } from '../core/definition.ts';

export const KINDS = { ...PROBES, ...SCENARIOS } as const satisfies Record<string, CheckKind>;
export type KindName = keyof typeof KINDS;
export const KIND_NAMES = Object.keys(KINDS) as KindName[];

export function isKindName(name: string): name is KindName {
  return Object.hasOwn(KINDS, name);
}

export { PROBE_KINDS, PROBES, ROW_KINDS, type ProbeKind } from '../../probes/index.ts';
export { isScenarioKind, SCENARIO_KINDS, SCENARIOS, type ScenarioKind } from '../../scenarios/index.ts';
