// tcp: connect time; refused, timeout (filtered) and unreachable told apart.
import { z } from 'zod';
import type { CheckResult, CheckTarget, ProbeContext, ProbeDefinition } from '../runner/core/contract.ts';
import { resolveAndConnect } from './lib/connect.ts';
import { CheckRecorder, classifyNetworkError } from '../runner/core/recorder.ts';

const options = z.object({}).strict();

async function run(target: CheckTarget, _opts: z.output<typeof options>, ctx: ProbeContext): Promise<CheckResult> {
  const rec = new CheckRecorder(target, 'tcp', ['resolve', 'connect']);
  try {
    const { socket } = await resolveAndConnect(rec, target.host, target.port ?? 0, ctx);
    socket.destroy();
    return rec.ok(`connected in ${(rec.phases.connect ?? 0).toFixed(3)} s`);
  } catch (e) {
    const { reason, message } = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(reason, message);
  }
}

export const tcpProbe = {
  description: 'TCP connection to the documented port.',
  scope: 'row',
  phases: ['resolve', 'connect'],
  options,
  defaults: { timeout: '3s', schedule: '* * * * *' },
  run,
} satisfies ProbeDefinition<typeof options>;
