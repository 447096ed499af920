// A check's identity is its metric label set: kind, platform, host, port, transport, and for a
// browser scenario its name (two scenarios may aim at the same page host and port).
import type { CheckTarget } from './contract.ts';

export function checkId(kind: string, t: Pick<CheckTarget, 'platform' | 'host' | 'port' | 'transport'>, scenario?: string): string {
  const parts = [kind, t.platform, t.host, t.port ?? '', t.transport];
  return (scenario === undefined ? parts : [...parts, scenario]).join('|');
}
