// Prints the embedded catalog's plan with the default config as JSON: checks per kind and the
// default schedule of each (run in a child so the bench process keeps its own trust settings).
import { loadInputs, planFor } from '../runner/cli/inputs.ts';
import { sharedContext } from '../runner/engine/shared-context.ts';

const inputs = loadInputs(undefined, []);
const plan = planFor(inputs, sharedContext(inputs.config, inputs.configFile));
const kinds: Record<string, { checks: number; schedule: string }> = {};
for (const c of plan.checks) kinds[c.kind] = { checks: (kinds[c.kind]?.checks ?? 0) + 1, schedule: c.schedule };
console.log(JSON.stringify(kinds));
