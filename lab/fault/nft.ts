// Loopback faults with nftables (root only): drop SYNs to a port (the probe sees a timeout) or
// reject them with ICMP host-unreachable (the probe sees "unreachable"). One table per process,
// removed by clear().
import { execFileSync } from 'node:child_process';

const table = `vigie_lab_${process.pid}`;

function nft(script: string): void {
  execFileSync('nft', ['-f', '-'], { input: script, stdio: ['pipe', 'ignore', 'pipe'] });
}

export function nftAvailable(): boolean {
  try {
    execFileSync('nft', ['list', 'tables'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function loopbackFaults(rules: { dropTcp?: number[]; unreachableTcp?: number[] }): { clear(): void } {
  const lines = [
    ...(rules.dropTcp ?? []).map((p) => `    ip daddr 127.0.0.0/8 tcp dport ${p} drop`),
    ...(rules.unreachableTcp ?? []).map((p) => `    ip daddr 127.0.0.0/8 tcp dport ${p} reject with icmp type host-unreachable`),
  ];
  nft(`table inet ${table} {\n  chain out {\n    type filter hook output priority 0; policy accept;\n${lines.join('\n')}\n  }\n}\n`);
  return { clear: () => nft(`delete table inet ${table}\n`) };
}
