// One full cycle of the embedded catalog (as `vigie check`), printing checks, wall and CPU as JSON.
import { loadInputs, planFor } from '../runner/cli/inputs.ts';
import { sharedContext } from '../runner/engine/shared-context.ts';
import { createLogger } from '../runner/telemetry/logging.ts';
import { Scheduler } from '../runner/engine/scheduler.ts';

const inputs = loadInputs(process.argv[2], []);
const shared = sharedContext(inputs.config, inputs.configFile);
const plan = planFor(inputs, shared);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const results = await new Scheduler(plan.checks, shared, { result: () => {}, skipped: () => {} }, createLogger({ level: 'silent' }), { concurrency: inputs.config.concurrency, jitterMs: 0 }).runAll();
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ checks: results.length, wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
