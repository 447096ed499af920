// Holds TURN allocations open, as other users of a platform's server do, until this process is told
// to stop: run inside a lab namespace (`ip netns exec NS node turn-hold.ts JSON`), it allocates with
// the probe's own TURN client, prints "held N" and releases everything on SIGTERM. The parity
// matrix uses it to fill a coturn's quota or its only relay port before Chrome and the probe come.
import { allocate, type Allocation } from '../../probes/lib/turn-session.ts';
import { CheckRecorder } from '../../runner/core/recorder.ts';
import type { CheckTarget } from '../../runner/core/contract.ts';
import { makeShared, probeContext } from '../../runner/engine/shared-context.ts';

export interface HoldSpec {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  username: string;
  password: string;
  count: number;
}

async function main(spec: HoldSpec): Promise<void> {
  const target: CheckTarget = { platform: 'parity', host: spec.host, port: spec.port, transport: spec.transport, documentedIps: [], ipsStable: true };
  const shared = makeShared();
  const held: Allocation[] = [];
  for (let i = 0; i < spec.count; i++) {
    const o = await allocate(new CheckRecorder(target, 'turn', []), target, spec.transport, { username: spec.username, password: spec.password }, 3600, probeContext(shared, 5000));
    if (o.kind !== 'allocated') {
      process.stdout.write(`refused ${o.kind === 'failed' ? `${o.reason} ${o.message}` : o.kind}\n`);
      process.exit(1);
    }
    held.push(o.allocation);
  }
  process.stdout.write(`held ${held.length}\n`);
  const release = async () => {
    await Promise.all(held.map((a) => a.release(AbortSignal.timeout(1000)).finally(() => a.client.close())));
    process.exit(0);
  };
  process.once('SIGTERM', () => void release());
  // Until told to stop (a timer keeps the process alive; the allocation's UDP socket may not).
  setInterval(() => {}, 60_000);
}

if (import.meta.main) await main(JSON.parse(process.argv[2]!) as HoldSpec);
