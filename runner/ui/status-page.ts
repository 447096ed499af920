// The probe's local status page (what the hospital's IT team looks at): per platform, each catalog
// flow with the status of the checks that cover it, the plain-language reason, last run and the
// fix to ask for; the media scenarios' last measurements; the upcoming RCP sessions and whether
// each is ready. Server-rendered HTML, readable without JavaScript; no secret ever reaches it
// (results carry none).
import { buildFlowView, type Latest, type SessionInfo } from './flow-view.ts';
import { causesSection, esc, mediaSection, page, platformTables, sessionsTable, summary, when } from './html.ts';
import { type Lang, otherLang, t } from './i18n.ts';
import type { RunHistory } from '../engine/history.ts';
import type { Plan } from '../engine/plan.ts';

export interface StatusSnapshot {
  plan: Plan;
  latest: ReadonlyMap<string, Latest>;
  site: { establishment: string; name: string; region: string };
  lang: Lang;
  sessions?: readonly SessionInfo[];
  /** Age after which evidence no longer proves a flow (the config's evidence_max_age). */
  evidenceMaxAgeMs?: number;
  /** The last 24 h of every check (history strips). */
  history?: RunHistory;
}

export function renderStatusPage(s: StatusSnapshot): string {
  const { lang } = s;
  const view = buildFlowView(s.plan, s.latest, s.sessions ?? [], lang, s.evidenceMaxAgeMs, s.history);
  const site = s.site.name || s.site.establishment;
  const other = otherLang(lang);
  const body = `<h1>${esc(t('title', lang))} — ${esc(site)}</h1>
<p><a href="?lang=${lang}">${esc(t('refresh', lang))}</a> · <a href="?lang=${other}" hreflang="${other}" lang="${other}">${esc(t('otherLang', lang))}</a> · ${esc(when(new Date(), lang))}</p>
${summary(view, lang)}${causesSection(view, lang)}${sessionsTable(view, lang)}${platformTables(view, lang, false)}${mediaSection(view, lang)}`;
  // No automatic refresh: a timed reload is an accessibility failure (WCAG 2.2.1); the link reloads.
  return page(lang, `${t('title', lang)} — ${site}`, body);
}
