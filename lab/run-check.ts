// Runs one check and prints its result as JSON: used to run the probe inside a lab namespace
// (`ip netns exec NS node lab/run-check.ts '{...}'`).
import { executeCheck } from '../runner/engine/execute.ts';
import { makeShared } from '../runner/engine/shared-context.ts';
import type { ServiceCredentials } from '../runner/core/contract.ts';
import type { ProbeKind } from '../probes/index.ts';
import { spec, target } from '../test/helpers.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  kind: ProbeKind;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  timeoutMs: number;
  options?: Record<string, unknown>;
  credentials?: ServiceCredentials;
};
const result = await executeCheck(spec(input.kind, target({ host: input.host, port: input.port, transport: input.transport }), { timeoutMs: input.timeoutMs, options: input.options ?? {} }), makeShared(input.credentials ? { credentials: { [input.host]: input.credentials } } : {}));
process.stdout.write(JSON.stringify(result));
