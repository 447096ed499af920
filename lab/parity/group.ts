// What every group of the parity matrix gives its test: the probe's catalog and config for its
// cells, the roots Chromium trusts, how Chromium is driven against each cell, and how it stops.
import type { CheckResult } from '../../runner/core/contract.ts';
import type { ChromeResult } from './cell.ts';
import type { ParityChrome } from './chrome.ts';

export interface GroupRun {
  /** The cells' rows, as a catalog file (`vigie check --catalog`). */
  catalog: string;
  /** The probe's config (JSON is YAML). */
  config: Record<string, unknown>;
  /** Environment for the probe (secrets named by the config). */
  env?: Record<string, string>;
  /** PEM roots Chromium trusts (its NSS database) and the probe trusts (trust.extra_ca_files). */
  roots: string[];
  /** Extra Chromium flags (a proxy for the whole browser, …). */
  chromeArgs?: string[];
  /**
   * The probe's checks run while Chromium holds its calls (a media server binds its ports per
   * session): `chrome` is then given the probe's run to start at the right moment.
   */
  probeDuringCalls?: boolean;
  /** Chromium against every cell: its result by cell id. */
  chrome(browser: ParityChrome, probe?: () => Promise<CheckResult[]>): Promise<Map<string, ChromeResult>>;
  stop(): Promise<void>;
}

/** The probe's config shared by the groups: the lab's site, no jitter, every kind's usual timeout. */
export const PARITY_CONFIG: Record<string, unknown> = {
  site: { establishment: 'parity-lab', name: 'Matrice de parité', region: 'lab' },
  jitter: '0s',
};

export function catalogYaml(platform: string, flows: readonly string[], urls: readonly string[] = []): string {
  return `platform: ${platform}
title: Matrice de parité (${platform})
operator: Vigie lab
flows:
${flows.join('\n')}
${urls.length ? `urls:\n${urls.join('\n')}\n` : ''}`;
}

/** Runs `fn` over `items`, at most `n` at a time. */
export async function inBatches<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}
