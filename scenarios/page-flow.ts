// Declarative web flows in YAML: goto, fill, select, click, expect text, expect media, wait. The
// probe ships the three flows the seed documents describe (scenarios/flows/); a config entry names
// one (`flow`) or writes its own `steps`. A failed step gives page_flow_failed with the step and a
// screenshot.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck } from '../runner/core/definition.ts';
import { formatMs } from '../runner/core/recorder.ts';
import { duration } from '../runner/core/duration.ts';
import { type ScenarioContext, pageTarget, SCENARIO_COMMON } from './lib/contract.ts';
import { measureMedia, mediaOptions, navigationReason } from './lib/measure.ts';
import { pageWords } from './lib/page-words.ts';
import { initScript } from './lib/webrtc-stats.ts';

const PHASES = ['launch', 'steps', 'media'] as const;

const FLOWS_DIR = new URL('./flows/', import.meta.url);
export const SHIPPED_FLOWS = ['dcc-guest-join', 'maincare-test', 'sara-testvisio'] as const;

/**
 * The platform whose public test page each shipped flow drives. They are not run by default: they
 * load the platforms' own pages (and, for the DCC join, need a test room and an organiser who
 * accepts), so an establishment opts in; until then the status page says which one would prove
 * the platform's media flows.
 */
export const FLOW_PLATFORMS: Record<(typeof SHIPPED_FLOWS)[number], string> = {
  'dcc-guest-join': 'dcc-webconf',
  'maincare-test': 'therap-e',
  'sara-testvisio': 'telercp',
};

/** How a step finds its element: by label, visible text (buttons first), placeholder or CSS. */
const target = z
  .object({
    label: z.string().optional(),
    text: z.string().optional(),
    placeholder: z.string().optional(),
    selector: z.string().optional(),
  })
  .strict()
  .refine((t) => Object.values(t).filter((v) => v !== undefined).length === 1, 'give exactly one of label, text, placeholder, selector');

const step = z.union([
  z.object({ goto: z.string().min(1) }).strict(),
  z.object({ fill: target.and(z.object({ value: z.string() })) }).strict(),
  z.object({ select: target.and(z.object({ option: z.string() })) }).strict(),
  z.object({ click: target }).strict(),
  z.object({ check: target }).strict(),
  z.object({ expect_text: z.string().min(1), fail_text: z.string().min(1).optional(), timeout: duration.prefault('15s') }).strict(),
  z.object({ expect_media: z.object({ send: z.boolean().default(true), receive: z.boolean().default(false) }).strict().prefault({}) }).strict(),
  z.object({ wait: duration }).strict(),
]);
export type Step = z.output<typeof step>;
export const stepsSchema = z.array(step).min(1);

const options = z
  .object({
    url: z.url({ protocol: /^https?$/ }).describe('Start page; {{url}} in the steps.'),
    flow: z.enum(SHIPPED_FLOWS).optional().describe('One of the shipped flows (scenarios/flows/NAME.yaml).'),
    steps: stepsSchema.optional().describe('Steps of a flow of your own (instead of `flow`).'),
    vars: z.record(z.string(), z.string()).default({}).describe('Values for {{name}} placeholders in the steps (e.g. nom, prenom).'),
    step_timeout: duration.prefault('15s').describe('Timeout of each step that waits for an element.'),
    ...mediaOptions,
  })
  .refine((o) => (o.flow === undefined) !== (o.steps === undefined), 'give either `flow` (a shipped flow) or `steps`');

type Options = z.output<typeof options>;

/** The steps of a shipped flow; validated like the config's own. */
export function shippedFlow(name: (typeof SHIPPED_FLOWS)[number]): Step[] {
  const doc = parseYaml(readFileSync(new URL(`${name}.yaml`, FLOWS_DIR), 'utf8')) as { steps: unknown };
  return stepsSchema.parse(doc.steps);
}

function fillVars(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, k: string) => vars[k] ?? whole);
}

function locate(page: Page, t: z.output<typeof target>, role: 'button' | 'any'): Locator {
  if (t.label !== undefined) return page.getByLabel(t.label, { exact: false }).first();
  if (t.placeholder !== undefined) return page.getByPlaceholder(t.placeholder).first();
  if (t.selector !== undefined) return page.locator(t.selector).first();
  // Clicking by text means a button or a link with that name, as a user would click it (a heading
  // that happens to hold the same words must not be clicked instead).
  const text = t.text!;
  if (role === 'button') return page.getByRole('button', { name: text }).or(page.getByRole('link', { name: text })).first();
  return page.getByText(text).first();
}

export function describeStep(s: Step): string {
  const [verb, arg] = Object.entries(s)[0]!;
  return `${verb} ${typeof arg === 'string' ? arg : JSON.stringify(arg)}`;
}

async function run(_target: CheckTarget, o: Options, ctx: ScenarioContext): Promise<CheckResult> {
  const { rec } = ctx;
  if (o.flow) rec.observe('flow', o.flow);
  const steps = o.flow ? shippedFlow(o.flow) : o.steps!;
  const vars = { url: o.url, ...o.vars };
  const session = await rec.phase('launch', () => ctx.browser());
  const bctx = await session.newContext();
  await bctx.addInitScript(initScript());
  const page = await session.guard(bctx.newPage());
  let index = 0;
  try {
    const stepsStart = performance.now();
    for (const s of steps) {
      index++;
      const timeout = o.step_timeout;
      if ('goto' in s) await session.guard(page.goto(fillVars(s.goto, vars), { waitUntil: 'load', timeout }));
      else if ('fill' in s) await session.guard(locate(page, s.fill, 'any').fill(fillVars(s.fill.value, vars), { timeout }));
      else if ('select' in s) await session.guard(locate(page, s.select, 'any').selectOption({ label: fillVars(s.select.option, vars) }, { timeout }));
      else if ('click' in s) await session.guard(locate(page, s.click, 'button').click({ timeout }));
      else if ('check' in s) await session.guard(locate(page, s.check, 'any').check({ timeout }));
      else if ('expect_text' in s) await session.guard(expectText(page, fillVars(s.expect_text, vars), s.fail_text && fillVars(s.fail_text, vars), s.timeout));
      else if ('wait' in s) await new Promise((r) => setTimeout(r, s.wait));
      else if ('expect_media' in s) {
        rec.setPhase('steps', (performance.now() - stepsStart) / 1000);
        const m = await measureMedia(session, page, page, {
          connectTimeoutMs: o.connect_timeout,
          windowMs: o.window,
          signal: ctx.signal,
          step: ctx.step,
          expect: { send: s.expect_media.send, receive: s.expect_media.receive, hdWithinSeconds: o.hd_within / 1000, maxLossRatio: o.max_loss },
        });
        rec.setPhase('media', m.iceSeconds + m.measureSeconds);
        rec.observeAll(m.observations);
        if (m.status !== 'ok') {
          rec.observe('failed_step', `${index}. ${describeStep(s)}`);
          return rec.finish(m.status, m.reason, `step ${index} (${describeStep(s)}): ${m.message}`);
        }
        continue;
      }
    }
    if (rec.phases.media === 0) rec.setPhase('steps', (performance.now() - stepsStart) / 1000);
    rec.observe('steps', steps.length);
    return rec.ok(`${steps.length} steps passed`);
  } catch (e) {
    if (session.hasCrashed) throw e;
    const s = steps[index - 1]!;
    rec.observe('failed_step', `${index}. ${describeStep(s)}`);
    const shot = await screenshot(page, ctx.artefactsDir, ctx.name);
    if (shot) rec.observe('screenshot', shot);
    const nav = 'goto' in s ? navigationReason(e) : { reason: 'page_flow_failed' as const, message: (e as Error).message.split('\n')[0]! };
    const timedOut = /Timeout \d+ms exceeded/.test(nav.message);
    return rec.fail(nav.reason, `step ${index} (${describeStep(s)}): ${timedOut ? `not done within ${formatMs(o.step_timeout)}` : nav.message}`);
  }
}

/** Waits for the text; fails at once when the page shows its failure text instead. */
async function expectText(page: Page, text: string, failText: string | undefined, timeout: number): Promise<void> {
  const ok = page.getByText(text).first();
  if (!failText) return ok.waitFor({ state: 'visible', timeout });
  const ko = page.getByText(failText).first();
  await ok.or(ko).first().waitFor({ state: 'visible', timeout });
  if (!(await ok.isVisible())) throw new Error(`the page shows « ${await pageWords(ko)} »`);
}

async function screenshot(page: Page, dir: string, name: string): Promise<string | undefined> {
  try {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
    await page.screenshot({ path: file, timeout: 5000 });
    return file;
  } catch {
    return undefined;
  }
}

export const pageFlowScenario = defineCheck({
  ...SCENARIO_COMMON,
  description: 'Declarative web flow (goto, fill, select, click, expect text, expect media) with a screenshot of a failed step; ships the DCC guest join, the Maincare test page and the Sara test page.',
  phases: PHASES,
  options,
  defaults: { timeout: '90s', schedule: '*/30 * * * *' },
  planning: { scope: 'scenario', plan: (e) => [{ suffix: '', target: pageTarget(e.platform, e.url), options: e }] },
  run,
});
