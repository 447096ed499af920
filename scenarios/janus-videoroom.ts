// Joins a Janus VideoRoom through Janus's own demo page (videoroomtest.html as Debian ships it, or
// a page with the same controls), publishes the fake 720p camera and microphone and measures what
// flows. With participants: 2 a second context of the same browser joins too and must see and hear
// the first: the seeds' « se connecter depuis deux appareils distincts … si vous vous voyez et vous
// entendez ».
import type { BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck } from '../runner/core/definition.ts';
import type { CheckRecorder } from '../runner/core/recorder.ts';
import type { Reason } from '../runner/core/reasons.ts';
import { type ScenarioContext, pageTarget, SCENARIO_COMMON } from './lib/contract.ts';
import { measureMedia, mediaOptions, navigationReason } from './lib/measure.ts';
import { pageWords } from './lib/page-words.ts';
import { initScript } from './lib/webrtc-stats.ts';

const PHASES = ['launch', 'load', 'join', 'ice', 'measure'] as const;

const options = z.object({
  url: z.url({ protocol: /^https?$/ }).describe('The VideoRoom page (e.g. https://janus.example/videoroomtest.html).'),
  room: z.union([z.number().int(), z.string().min(1)]).optional().describe('Room to join, passed as ?room=; default: the page\'s own.'),
  participants: z.number().int().min(1, 'expected 1 or 2').max(2, 'expected 1 or 2').default(1).describe('2: a second participant joins and must see and hear the first.'),
  display_name: z.string().regex(/^[A-Za-z0-9]+$/, 'letters and digits only (the demo page refuses others)').default('vigie').describe('Display name in the room.'),
  selectors: z
    .object({
      start: z.string().default('#start'),
      username: z.string().default('#username'),
      join: z.string().default('#register'),
      error: z.string().default('.bootbox'),
      leave: z.string().default('#start'),
    })
    .strict()
    .prefault({})
    .describe('CSS selectors of the page controls; the defaults fit the stock demo page.'),
  ...mediaOptions,
});

type Options = z.output<typeof options>;

/** The Debian demo pages read these globals, which their settings.js does not define. */
const JANUS_PAGE_GLOBALS = 'if (!("token" in window)) window.token = null; if (!("apisecret" in window)) window.apisecret = null;';

function roomUrl(o: Options): string {
  const u = new URL(o.url);
  if (o.room !== undefined) u.searchParams.set('room', String(o.room));
  return u.toString();
}

/** Resolves when the page shows its error dialog (room missing, Janus unreachable). */
function watchError(page: Page, selector: string): Promise<{ reason: Reason; message: string }> {
  return page
    .locator(selector)
    .first()
    .waitFor({ state: 'visible', timeout: 0 })
    .then(async () => ({ reason: 'room_join_failed' as const, message: `the page reported: ${await pageWords(page.locator(selector).first())}` }))
    .catch(() => new Promise<never>(() => {}));
}

async function join(ctx: BrowserContext, o: Options, index: number, rec: CheckRecorder, session: Awaited<ReturnType<ScenarioContext['browser']>>, step: (s: string) => void): Promise<Page> {
  await ctx.addInitScript(JANUS_PAGE_GLOBALS + initScript());
  step(`participant ${index + 1}: opening the page`);
  const page = await session.guard(ctx.newPage());
  await rec.phase('load', () => session.guard(page.goto(roomUrl(o), { waitUntil: 'load', timeout: 15_000 })));
  step(`participant ${index + 1}: joining`);
  // The page may report its own failure at any step (Janus unreachable shows a dialog at Start):
  // its words win over a control that never appears.
  const pageSaid = watchError(page, o.selectors.error).then((f) => Promise.reject(new Error(f.message)));
  pageSaid.catch(() => {});
  await rec.phase('join', () =>
    Promise.race([
      pageSaid,
      (async () => {
        await session.guard(page.locator(o.selectors.start).click({ timeout: 10_000 }));
        await session.guard(page.locator(o.selectors.username).fill(`${o.display_name}${index || ''}`, { timeout: 10_000 }));
        await session.guard(page.locator(o.selectors.join).click({ timeout: 10_000 }));
      })(),
    ]),
  );
  return page;
}

async function run(_target: CheckTarget, o: Options, ctx: ScenarioContext): Promise<CheckResult> {
  const { rec } = ctx;
  rec.observe('participants', o.participants);
  const session = await rec.phase('launch', () => ctx.browser());
  const pages: Page[] = [];
  try {
    for (let i = 0; i < o.participants; i++) {
      ctx.step(`participant ${i + 1}: new context`);
      const c = await session.newContext();
      try {
        pages.push(await join(c, o, i, rec, session, ctx.step));
      } catch (e) {
        if (session.hasCrashed) throw e;
        const nav = navigationReason(e);
        const step = pages.length === i && rec.phases.join === 0 ? 'load' : 'join';
        return rec.fail(nav.reason === 'page_flow_failed' ? 'room_join_failed' : nav.reason, `participant ${i + 1}, ${step}: ${nav.message}`);
      }
      // The first participant publishes before the second arrives, as two people joining would.
      if (i === 0 && o.participants === 2) await new Promise((r) => setTimeout(r, 1000));
    }
    const errors = pages.map((p) => watchError(p, o.selectors.error));
    ctx.step('measuring');
    const m = await measureMedia(session, pages[0]!, pages.at(-1)!, {
      connectTimeoutMs: o.connect_timeout,
      windowMs: o.window,
      signal: ctx.signal,
      step: ctx.step,
      expect: { send: true, receive: o.participants === 2, hdWithinSeconds: o.hd_within / 1000, maxLossRatio: o.max_loss },
      pageFailure: Promise.race(errors),
    });
    rec.setPhase('ice', m.iceSeconds);
    rec.setPhase('measure', m.measureSeconds);
    rec.observeAll(m.observations);
    return rec.finish(m.status, m.reason, m.message);
  } finally {
    ctx.step('leaving the room');
    // Leave the room before the browser goes (the demo's Start button has become Stop): a page
    // that just disappears stays in the room as a silent publisher until Janus times its session
    // out. Bounded: the demo reloads itself on leaving, and the runner closes the browser anyway.
    if (!session.hasCrashed) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(pages.map((p) => p.locator(o.selectors.leave).click({ timeout: 2000 }).then(() => p.waitForTimeout(300)))),
        new Promise((r) => (timer = setTimeout(r, 3000))),
      ]);
      clearTimeout(timer);
    }
  }
}

export const janusVideoroomScenario = defineCheck({
  ...SCENARIO_COMMON,
  description: 'Joins a Janus VideoRoom through its demo page, publishes 720p, and (participants: 2) checks that a second participant sees and hears the first.',
  phases: PHASES,
  options,
  defaults: { timeout: '60s', schedule: '*/15 * * * *' },
  planning: { scope: 'scenario', plan: (e) => [{ suffix: '', target: pageTarget(e.platform, e.url), options: e }] },
  run,
});
