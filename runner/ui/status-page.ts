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
import type { RefusedDestination } from '../config/destinations.ts';

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
  /** The region's bundle: set when the last poll refused or could not fetch it. */
  remoteProblem?: { refusedSignature: boolean; message: string };
  /** Destinations of the bundle in use that this establishment's settings refuse. */
  remoteRefused?: readonly RefusedDestination[];
}

/** The bundle's destinations this establishment refuses: left out of the plan, listed (at most 20). */
function refusedSection(refused: StatusSnapshot['remoteRefused'], lang: Lang): string {
  if (!refused?.length) return '';
  const items = refused.slice(0, 20).map((d) => `<li>${esc(d.platform)} — ${esc(d.destination)} : ${esc(d.why)}</li>`);
  const more = refused.length > 20 ? `<li>${esc(t('andMore', lang, { n: refused.length - 20 }))}</li>` : '';
  return `<section><h2>${esc(t('destinationsRefused', lang, { n: refused.length }))}</h2><ul>${items.join('')}${more}</ul></section>\n`;
}

/** A refused or unreachable region bundle: the catalogs in use are the last good ones. */
function remoteSection(p: StatusSnapshot['remoteProblem'], lang: Lang): string {
  if (!p) return '';
  return `<p class="warn" role="status"><strong>${esc(t(p.refusedSignature ? 'bundleRefused' : 'bundleUnavailable', lang))}</strong> ${esc(p.message)}</p>\n`;
}

export function renderStatusPage(s: StatusSnapshot): string {
  const { lang } = s;
  const view = buildFlowView(s.plan, s.latest, s.sessions ?? [], lang, s.evidenceMaxAgeMs, s.history);
  const site = s.site.name || s.site.establishment;
  const other = otherLang(lang);
  const body = `<h1>${esc(t('title', lang))} — ${esc(site)}</h1>
<p><a href="?lang=${lang}">${esc(t('refresh', lang))}</a> · <a href="?lang=${other}" hreflang="${other}" lang="${other}">${esc(t('otherLang', lang))}</a> · ${esc(when(new Date(), lang))}</p>
${remoteSection(s.remoteProblem, lang)}${refusedSection(s.remoteRefused, lang)}${summary(view, lang)}${causesSection(view, lang)}${sessionsTable(view, lang)}${platformTables(view, lang, false)}${mediaSection(view, lang)}`;
  // No automatic refresh: a timed reload is an accessibility failure (WCAG 2.2.1); the link reloads.
  return page(lang, `${t('title', lang)} — ${site}`, body);
}
