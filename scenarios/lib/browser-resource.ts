// The browser as a resource of the one executor: one scenario at a time (the `browser` slot), the
// browser launched on demand with the fake media, and always closed with its process tree when the
// run ends. A browser that dies gives browser_crashed, one that cannot start browser_launch_failed,
// one that stops answering is killed and gives browser_crashed too; the next run starts a fresh one.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CheckResult } from '../../runner/core/contract.ts';
import type { Lease, Resource, RunContext } from '../../runner/core/definition.ts';
import { BrowserCrashed, BrowserLaunchFailed, BrowserSession } from './browser.ts';
import { ensureFakeMedia } from './fake-media.ts';
import type { ScenarioContext } from './scenario-context.ts';

/** Time the browser gets to close by itself before its process tree is killed. */
const CLOSE_TIMEOUT_MS = 3000;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIGIE_CACHE_DIR ?? resolve(env.XDG_CACHE_HOME ?? resolve(homedir(), '.cache'), 'vigie');
}

function crashed(e: unknown, session: BrowserSession | undefined): boolean {
  if (e instanceof BrowserCrashed || session?.hasCrashed) return true;
  if (session && !session.browser.isConnected()) return true;
  return /Target crashed|Browser closed|browser has been closed|Page crashed/i.test((e as Error)?.message ?? '');
}

function open(base: RunContext): Lease<ScenarioContext> {
  const settings = base.browserSettings ?? { executablePath: '/usr/bin/chromium', args: [], cacheDir: defaultCacheDir(), sandbox: true };
  const name = base.scenario?.name ?? '';
  let session: BrowserSession | undefined;
  // A run cut short during the launch must still close the browser that launch brings up.
  let launching: Promise<BrowserSession> | undefined;
  let finished = false;
  let step = 'start';
  const login = base.scenario?.login;
  const ctx: ScenarioContext = {
    ...base,
    name,
    ...(login ? { login } : {}),
    artefactsDir: join(settings.cacheDir, 'artefacts'),
    step: (what) => {
      step = what;
      if (process.env.VIGIE_TRACE_SCENARIOS) process.stderr.write(`${new Date().toISOString()} ${name}: ${what}\n`);
    },
    browser: async () => {
      step = 'launching the browser';
      const media = await ensureFakeMedia(join(settings.cacheDir, 'media'));
      launching = BrowserSession.launch({ executablePath: settings.executablePath, args: settings.args, media, sandbox: settings.sandbox, ...(base.proxy ? { proxy: base.proxy } : {}) });
      const launched = await launching;
      // Past the end of the run, close() owns (and closes) this browser.
      if (finished) throw new Error('the run ended while the browser was launching');
      session = launched;
      return launched;
    },
  };
  const { rec } = base;
  return {
    ctx,
    where: () => step,
    failure(e) {
      const message = (e as Error)?.message?.split('\n')[0] ?? String(e);
      if (e instanceof BrowserLaunchFailed) return rec.cutShort('browser_launch_failed', message);
      if (crashed(e, session)) return rec.cutShort('browser_crashed', `browser crashed during the run: ${message}`);
      return undefined;
    },
    async close(result: CheckResult): Promise<CheckResult> {
      finished = true;
      if (!session && launching) session = await lateLaunch(launching);
      let out = result;
      if (session) {
        const peak = session.peakMemoryBytes;
        const hung = await session.close(CLOSE_TIMEOUT_MS);
        if (hung) out = rec.cutShort('browser_crashed', `the browser stopped answering (${result.reason}: ${result.message}); its processes were killed`);
        if (out.observations.browser_memory_peak_bytes === undefined && peak) out.observations.browser_memory_peak_bytes = peak;
        out.observations.browser_sandbox = session.sandboxed;
        // A run that measured well says so, and that its browser was not confined.
        if (session.sandboxProblem && out.status === 'ok') out = { ...out, status: 'degraded', reason: 'browser_sandbox_unavailable', message: `${out.message}; ${session.sandboxProblem}` };
      }
      out.observations.scenario = name || null;
      return out;
    },
  };
}

/** A launch still under way when the run ended: waited for a little, else closed whenever it lands. */
async function lateLaunch(launching: Promise<BrowserSession>): Promise<BrowserSession | undefined> {
  let wait: NodeJS.Timeout | undefined;
  const late = await Promise.race([launching.catch(() => undefined), new Promise<undefined>((r) => (wait = setTimeout(() => r(undefined), CLOSE_TIMEOUT_MS)))]);
  clearTimeout(wait);
  if (!late) void launching.then((s) => s.close(CLOSE_TIMEOUT_MS), () => {});
  return late;
}

export const BROWSER: Resource<ScenarioContext> = { slot: 'browser', graceMs: 1000, endsOnAbort: true, open };
