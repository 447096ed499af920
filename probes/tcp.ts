// tcp: connect time; refused, timeout (filtered) and unreachable told apart.
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, rowTarget, type RunContext } from '../runner/core/definition.ts';
import { resolveAndConnect } from './lib/connect.ts';

const options = z.object({}).strict();

async function run(target: CheckTarget, _opts: z.output<typeof options>, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  try {
    const { socket } = await resolveAndConnect(rec, target.host, target.port ?? 0, ctx);
    socket.destroy();
    return rec.ok(`connected in ${(rec.phases.connect ?? 0).toFixed(3)} s`);
  } catch (e) {
    return rec.failOn(e, ctx);
  }
}

export const tcpProbe = defineCheck({
  description: 'TCP connection to the documented port.',
  phases: ['resolve', 'connect'],
  options,
  defaults: { timeout: '3s', schedule: '* * * * *' },
  flowClass: 'signalling',
  planning: { scope: 'row', transports: ['tcp'], urls: true, portRanges: false, plan: (row) => ({ target: rowTarget(row, 'tcp') }) },
  metrics: [],
  resource: DIRECT,
  run,
});
