// The scenario registry: the one place a browser scenario kind is added. The config schema, the
// planner and the runner derive from these keys.
import { janusVideoroomScenario } from './janus-videoroom.ts';
import { pageFlowScenario } from './page-flow.ts';
import { turnRelayScenario } from './turn-relay.ts';

export const SCENARIOS = {
  'janus-videoroom': janusVideoroomScenario,
  'turn-relay': turnRelayScenario,
  'page-flow': pageFlowScenario,
} as const;

export type ScenarioKind = keyof typeof SCENARIOS;
export const SCENARIO_KINDS = Object.keys(SCENARIOS) as [ScenarioKind, ...ScenarioKind[]];

export function isScenarioKind(kind: string): kind is ScenarioKind {
  return Object.hasOwn(SCENARIOS, kind);
}
