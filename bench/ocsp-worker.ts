// N ocsp checks (no cache) against the lab's openssl responder, in this process: CPU per check.
import { SystemTrustStore } from '../probes/lib/tls/trust.ts';
import { executeCheck } from '../runner/engine/execute.ts';
import { makeShared } from '../runner/engine/shared-context.ts';
import { spec, target } from '../test/helpers.ts';

const [port, count, root] = process.argv.slice(2) as [string, string, string];
const s = spec('ocsp', target({ host: 'localhost', port: Number(port) }), { timeoutMs: 5000, options: { cache_seconds: 0 } });
const shared = makeShared({ trust: new SystemTrustStore([root]) });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let ok = 0;
let req = 0;
let resp = 0;
for (let i = 0; i < Number(count); i++) {
  const r = await executeCheck(s, shared);
  if (r.status === 'ok') ok++;
  req = r.observations.request_bytes as number;
  resp = r.observations.response_bytes as number;
}
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ count: Number(count), ok, wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, requestBytes: req, responseBytes: resp }));
