// `vigie report`: the establishment's compliance report, what regional support asks for instead
// of a screenshot of a test page. Every flow of the selected platforms with its result and its
// evidence (timings, addresses, certificate issuer) and what to open; one self-contained HTML file
// (no external resource), and a PDF printed by Chromium when asked.
import { QUIET_ARGS } from '../../scenarios/lib/browser.ts';
import { buildFlowView, type Latest } from './flow-view.ts';
import { causesSection, esc, mediaSection, page, platformTables, summary, when } from './html.ts';
import { type Lang, t } from './i18n.ts';
import type { Plan } from '../engine/plan.ts';

export interface ReportInput {
  plan: Plan;
  /** Result of each check of the plan, by check id. */
  latest: ReadonlyMap<string, Latest>;
  site: { establishment: string; name: string; region: string };
  startedAt: Date;
  finishedAt: Date;
  version: string;
  lang: Lang;
}

export function renderReport(r: ReportInput): string {
  const { lang } = r;
  const view = buildFlowView(r.plan, r.latest, [], lang);
  const site = r.site.name || r.site.establishment;
  const title = `${t('reportTitle', lang)} — ${site}`;
  const meta = [
    [t('establishment', lang), `${site}${r.site.name && r.site.establishment ? ` (${r.site.establishment})` : ''}`],
    ...(r.site.region ? [[t('region', lang), r.site.region]] : []),
    [t('generatedAt', lang), `${when(r.startedAt, lang)} – ${when(r.finishedAt, lang)} (Europe/Paris)`],
    [t('platform', lang), r.plan.catalogs.map((c) => c.title).join(', ')],
    [t('probeVersion', lang), r.version],
  ];
  const body = `<h1>${esc(title)}</h1>
<dl class="meta">${meta.map(([k, v]) => `<dt>${esc(k!)}</dt><dd>${esc(v!)}</dd>`).join('')}</dl>
<p>${esc(t('reportIntro', lang))}</p>
${summary(view, lang)}${causesSection(view, lang)}${platformTables(view, lang, true)}${mediaSection(view, lang)}`;
  return page(lang, title, body);
}

/** Prints the report to PDF with Chromium (A4 landscape, backgrounds kept so statuses stay coloured). */
export async function writePdf(html: string, file: string, executablePath: string): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: [...QUIET_ARGS, '--disable-gpu'] });
  try {
    const p = await browser.newPage();
    // The report is self-contained: nothing to fetch, so no request may leave the browser.
    await p.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await p.setContent(html, { waitUntil: 'load' });
    await p.pdf({ path: file, format: 'A4', landscape: true, printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
  } finally {
    await browser.close();
  }
}
