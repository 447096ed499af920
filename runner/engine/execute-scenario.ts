// Runs one browser scenario: waits for the browser slot (one browser at a time), opens the browser
// on demand, bounds the run by its timeout, and always closes the browser and kills its process
// tree afterwards. A browser that dies gives browser_crashed; one that stops answering is killed
// and gives browser_crashed too; the next run starts a fresh one either way.
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { CheckResult } from '../core/contract.ts';
import { CheckRecorder, formatMs } from '../core/recorder.ts';
import { BrowserCrashed, BrowserLaunchFailed, BrowserSession } from '../../scenarios/lib/browser.ts';
import type { ScenarioContext } from '../../scenarios/lib/contract.ts';
import { SCENARIOS, type ScenarioKind } from '../../scenarios/index.ts';
import { ensureFakeMedia } from '../../scenarios/lib/fake-media.ts';
import { defaultCacheDir, probeContext, type SharedContext } from './shared-context.ts';
import type { CheckSpec } from './plan.ts';

/** Time the browser gets to close by itself before its process tree is killed. */
const CLOSE_TIMEOUT_MS = 3000;
const fallbackSlot = pLimit(1);

function crashed(e: unknown, session: BrowserSession | undefined): boolean {
  if (e instanceof BrowserCrashed || session?.hasCrashed) return true;
  if (session && !session.browser.isConnected()) return true;
  return /Target crashed|Browser closed|browser has been closed|Page crashed/i.test((e as Error)?.message ?? '');
}

export function executeScenario(spec: CheckSpec, shared: SharedContext, stop?: AbortSignal): Promise<CheckResult> {
  const slot = shared.browserSlot ?? fallbackSlot;
  return slot(() => runScenario(spec, shared, stop));
}

async function runScenario(spec: CheckSpec, shared: SharedContext, stop?: AbortSignal): Promise<CheckResult> {
  const def = SCENARIOS[spec.kind as ScenarioKind];
  const fallback = new CheckRecorder(spec.target, spec.kind, def.phases);
  fallback.observe('scenario', spec.scenario ?? null);
  if (stop?.aborted) return fallback.fail('timeout', 'the probe is stopping');
  const base = probeContext(shared, spec.timeoutMs, stop);
  const signal = base.signal;
  const browserCfg = shared.browser ?? { executablePath: '/usr/bin/chromium', args: [], cacheDir: defaultCacheDir() };
  let session: BrowserSession | undefined;
  // A run cut short during the launch must still close the browser that launch brings up.
  let launching: Promise<BrowserSession> | undefined;
  let finished = false;
  let step = 'start';
  const login = spec.scenario ? shared.scenarioLogins?.[spec.scenario] : undefined;
  const ctx: ScenarioContext = {
    ...base,
    ...(login ? { login } : {}),
    artefactsDir: join(browserCfg.cacheDir, 'artefacts'),
    step: (what) => {
      step = what;
      if (process.env.VIGIE_TRACE_SCENARIOS) process.stderr.write(`${new Date().toISOString()} ${spec.scenario}: ${what}\n`);
    },
    browser: async () => {
      step = 'launching the browser';
      const media = await ensureFakeMedia(join(browserCfg.cacheDir, 'media'));
      launching = BrowserSession.launch({ executablePath: browserCfg.executablePath, args: browserCfg.args, media, ...(shared.proxy ? { proxy: shared.proxy } : {}) });
      const launched = await launching;
      // Past the end of the run, the code below owns (and closes) this browser.
      if (finished) throw new Error('the run ended while the browser was launching');
      session = launched;
      return launched;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    const fire = () => resolve('deadline');
    if (signal.aborted) return fire();
    signal.addEventListener('abort', fire, { once: true });
    // A scenario that ignored its signal still cannot hold the slot.
    timer = setTimeout(fire, spec.timeoutMs + 1000);
  });
  let result: CheckResult;
  try {
    const run = (def.run as (t: typeof spec.target, o: unknown, c: ScenarioContext) => Promise<CheckResult>)(spec.target, { ...spec.options, name: spec.scenario }, ctx);
    run.catch(() => {});
    const outcome = await Promise.race([run, deadline]);
    result =
      outcome === 'deadline'
        ? fallback.fail('timeout', stop?.aborted ? `stopped by the probe shutdown (at: ${step})` : `scenario did not finish within ${formatMs(spec.timeoutMs)} (at: ${step})`)
        : outcome;
  } catch (e) {
    const message = (e as Error)?.message?.split('\n')[0] ?? String(e);
    if (e instanceof BrowserLaunchFailed) result = fallback.fail('browser_launch_failed', message);
    else if (crashed(e, session)) result = fallback.fail('browser_crashed', `browser crashed during the run: ${message}`);
    else result = fallback.fail('internal_error', `scenario threw: ${message}`);
  } finally {
    clearTimeout(timer);
    finished = true;
  }
  if (!session && launching) {
    let wait: NodeJS.Timeout | undefined;
    const late = await Promise.race([launching.catch(() => undefined), new Promise<undefined>((r) => (wait = setTimeout(() => r(undefined), CLOSE_TIMEOUT_MS)))]);
    clearTimeout(wait);
    if (late) session = late;
    else void launching.then((s) => s.close(CLOSE_TIMEOUT_MS), () => {});
  }
  if (session) {
    const peak = session.peakMemoryBytes;
    const hung = await session.close(CLOSE_TIMEOUT_MS);
    if (hung) result = fallback.fail('browser_crashed', `the browser stopped answering (${result.reason}: ${result.message}); its processes were killed`);
    if (result.observations.browser_memory_peak_bytes === undefined && peak) result.observations.browser_memory_peak_bytes = peak;
  }
  result.observations.scenario = spec.scenario ?? null;
  return result;
}
