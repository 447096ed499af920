// The one contract every browser scenario kind implements: like a probe, an async function that
// never throws for an outcome and returns a CheckResult; it gets a browser session instead of sockets.
import type { z } from 'zod';
import type { CheckResult, CheckTarget, ProbeContext } from '../../runner/core/contract.ts';
import type { BrowserSession } from './browser.ts';

/** What the config says about one scenario, after validation (kind options included). */
export interface ScenarioEntry {
  name: string;
  kind: string;
  platform: string;
  enabled: boolean;
  schedule: string;
  timeout: number;
  /** Name of a `credentials` entry (test account, TURN secret); read by the runner, never logged. */
  credentials?: string;
}

export interface ScenarioContext extends ProbeContext {
  /** Opens the browser for this run; the runner closes it and kills its process tree afterwards. */
  browser: () => Promise<BrowserSession>;
  /** Where screenshots of failed steps go. */
  artefactsDir: string;
  /** Records the step under way, so a run cut short by its timeout says where it stood. */
  step: (what: string) => void;
  /** The scenario's own credentials, already read from env/file. */
  login?: { username?: string; password?: string; secret?: string };
}

export interface ScenarioDefinition<S extends z.ZodObject = z.ZodObject> {
  description: string;
  /** Phase names, all present in every result of this kind. */
  phases: readonly string[];
  /** Kind-specific options (snake_case, with defaults); part of the config schema. */
  options: S;
  defaults: { timeout: string; schedule: string };
  /** The checks one config entry becomes (turn-relay: one per transport), with their options. */
  targets(entry: ScenarioEntry & z.output<S>): { suffix: string; target: CheckTarget; options: z.output<S> }[];
  run(target: CheckTarget, options: z.output<S> & ScenarioEntry, ctx: ScenarioContext): Promise<CheckResult>;
}

/** Target of a scenario that opens a page: the page's host and port. */
export function pageTarget(platform: string, url: string): CheckTarget {
  const u = new URL(url);
  return {
    platform,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
    transport: 'tcp',
    url,
    documentedIps: [],
    ipsStable: true,
  };
}
