// A check's identity is its metric label set: kind, platform, host, port, transport.
import type { CheckTarget } from './contract.ts';

export function checkId(kind: string, t: Pick<CheckTarget, 'platform' | 'host' | 'port' | 'transport'>): string {
  return [kind, t.platform, t.host, t.port ?? '', t.transport].join('|');
}
