// The scenario registry: the one place a browser scenario kind is added (its file, and one line
// here). The config schema, the planner, the executor, the metrics and the docs read these.
import type { CheckKind } from '../runner/core/definition.ts';
import { janusVideoroomScenario } from './janus-videoroom.ts';
import { pageFlowScenario } from './page-flow.ts';
import { turnRelayScenario } from './turn-relay.ts';

export const SCENARIOS = {
  'janus-videoroom': janusVideoroomScenario,
  'turn-relay': turnRelayScenario,
  'page-flow': pageFlowScenario,
} as const satisfies Record<string, CheckKind>;

export type ScenarioKind = keyof typeof SCENARIOS;
export const SCENARIO_KINDS = Object.keys(SCENARIOS) as [ScenarioKind, ...ScenarioKind[]];

export function isScenarioKind(kind: string): kind is ScenarioKind {
  return Object.hasOwn(SCENARIOS, kind);
}
