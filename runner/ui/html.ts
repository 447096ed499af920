// The HTML both the status page and the report use: escaping, dates in Europe/Paris, one style
// sheet (contrast checked by axe in the tests; status is always written out, never colour alone),
// and the tables of the flow view.
import type { FlowView } from './flow-view.ts';
import { BUCKET_SECONDS, type HistoryCell, WINDOW_SECONDS } from '../engine/history.ts';
import { labelled, type Lang, locale, statusText, t } from './i18n.ts';

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function when(ts: number | Date | undefined, lang: Lang): string {
  if (ts === undefined) return t('never', lang);
  const d = ts instanceof Date ? ts : new Date(ts * 1000);
  return d.toLocaleString(locale(lang), { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' });
}

export const STYLE = `
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;background:#fff;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #767676;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f0f0f0}
.st{font-weight:600;white-space:nowrap}
tr.ok .st{background:#d7f5dd;color:#0b3d17}tr.degraded .st{background:#ffe9b3;color:#4a3200}tr.failed .st{background:#ffd2d2;color:#6b0000}tr.unproven .st,tr.flow-unproven .st{background:#d9ecf7;color:#0b2e45}tr.flow-proven .st{background:#d7f5dd;color:#0b3d17}tr.flow-failed .st{background:#ffd2d2;color:#6b0000}tr.pending .st{background:#eee;color:#1b1b1b}
.fix{font-weight:600}.ev{margin:0;padding-left:1rem;font-size:.8rem}
.summary span{display:inline-block;margin-right:1rem;padding:.2rem .5rem;border:1px solid #767676}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.meta dt{font-weight:600}dl.meta dd{margin:0}
@media print{body{margin:0}a{color:inherit}tr{break-inside:avoid}}
`;

export function page(lang: Lang, title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${head}<title>${esc(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function summary(view: FlowView, lang: Lang): string {
  const c = view.counts;
  const part = (label: string, n: number) => `<span>${esc(labelled(label, n, lang))}</span>`;
  return `<p class="summary">${part('OK', c.ok)}${part(t('degradedCount', lang), c.degraded)}${part(t('failedCount', lang), c.failed)}${c.unproven ? part(t('unprovenCount', lang), c.unproven) : ''}${c.pending ? part(t('pendingCount', lang), c.pending) : ''}</p>`;
}

const CELL_FILL: Record<HistoryCell['status'], string> = { ok: '#2e7d32', degraded: '#b26a00', failed: '#c62828', unproven: '#1f6f9f' };

/**
 * The last 24 h as inline SVG, no script: one cell per 5 minutes (colour and, for hover, a title
 * with the time, status and reason), and under it the response time as a sparkline. The image's
 * label says in words what the colours show.
 */
export function historyStrip(cells: readonly HistoryCell[], lang: Lang, now = Date.now() / 1000): string {
  if (!cells.length) return '';
  const start = Math.floor(now / BUCKET_SECONDS) * BUCKET_SECONDS - WINDOW_SECONDS + BUCKET_SECONDS;
  const x = (t: number) => Math.round((t - start) / BUCKET_SECONDS);
  const n = WINDOW_SECONDS / BUCKET_SECONDS;
  const failed = cells.filter((c) => c.status === 'failed');
  const label = t('historyLabel', lang, { runs: cells.length, failed: failed.length, last: failed.length ? when(failed.at(-1)!.t, lang) : '–' });
  const rects = cells
    .filter((c) => x(c.t) >= 0)
    .map((c) => `<rect x="${x(c.t)}" y="0" width="1" height="10" fill="${CELL_FILL[c.status]}"><title>${esc(`${when(c.t, lang)} ${statusText(c.status, lang)}${c.reason ? ` ${c.reason}` : ''}`)}</title></rect>`);
  const max = Math.max(...cells.map((c) => c.durationSeconds), 0.001);
  const points = cells.filter((c) => x(c.t) >= 0).map((c) => `${x(c.t)},${(24 - (c.durationSeconds / max) * 10).toFixed(1)}`);
  return `<svg class="hist" role="img" aria-label="${esc(label)}" viewBox="0 0 ${n} 26" width="${n}" height="26" preserveAspectRatio="none"><rect x="0" y="0" width="${n}" height="10" fill="#e8e8e8"/>${rects.join('')}<polyline points="${points.join(' ')}" fill="none" stroke="#1b1b1b" stroke-width="0.8"/></svg>`;
}

/** The establishment-wide causes, first: one line and one change each. */
export function causesSection(view: FlowView, lang: Lang): string {
  if (!view.causes.length) return '';
  const items = view.causes.map((c) => `<li data-cause="${esc(c.reason)}"><strong>${esc(c.text)}</strong> — ${esc(c.fix)}</li>`);
  return `<section aria-labelledby="causes" class="causes"><h2 id="causes">${esc(t('causesTitle', lang))}</h2><ul>${items.join('')}</ul></section>`;
}

/** One table per platform; `evidence` adds the evidence column (the report). */
export function platformTables(view: FlowView, lang: Lang, evidence: boolean): string {
  return view.platforms
    .map((p) => {
      const head = [t('flow', lang), t('check', lang), t('status', lang), t('reason', lang), t('lastRun', lang), t('fix', lang), ...(evidence ? [t('evidence', lang)] : [])];
      const rows = p.lines.map(
        (l) =>
          `<tr class="${l.status}" data-check="${esc(l.id)}"><td>${l.flows.map(esc).join('<br>')}</td><td>${esc(l.kind)}</td><td class="st">${esc(l.statusText)}</td><td>${esc(l.reason)}</td><td>${esc(when(l.endedAt, lang))}</td><td class="fix">${esc(l.fix)}</td>${
            evidence ? `<td>${l.evidence.length ? `<ul class="ev">${l.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : ''}${l.status !== 'ok' && l.status !== 'pending' ? `<p class="ev">${esc(l.message)}</p>` : ''}</td>` : ''
          }</tr>`,
      );
      const flowRows = p.flows.map((f) => `<tr class="flow-${f.verdict}" data-flow="${esc(f.flow)}"><td>${esc(f.flow)}</td><td class="st">${esc(f.verdictText)}</td><td>${esc(f.by)}</td><td class="fix">${esc(f.fix)}</td><td>${esc(when(f.at, lang))}</td><td>${historyStrip(f.history, lang)}</td></tr>`);
      const flowHead = [t('flow', lang), t('flowVerdict', lang), t('flowBy', lang), t('fix', lang), t('lastRun', lang), t('history24h', lang)];
      const flowTable = p.flows.length
        ? `<table class="flows"><caption>${esc(t('flowsTitle', lang))}</caption><thead><tr>${flowHead.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${flowRows.join('')}</tbody></table>`
        : '';
      // The per-kind checks fold under the flows; open when one needs attention, and always in the report.
      const open = evidence || p.counts.failed > 0 || p.counts.degraded > 0;
      return `<section aria-labelledby="p-${esc(p.id)}"><h2 id="p-${esc(p.id)}">${esc(p.title)}</h2>${flowTable}<details${open ? ' open' : ''}><summary>${esc(t('checksTitle', lang))} (${p.lines.length})</summary><table><caption>${esc(t('caption', lang, { title: p.title, ...p.counts }))}</caption><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></details></section>`;
    })
    .join('');
}

export function mediaSection(view: FlowView, lang: Lang): string {
  if (!view.media.length) return '';
  const rows = view.media.map(
    (m) =>
      `<tr class="${m.status}" data-scenario="${esc(m.scenario)}"><td>${esc(m.scenario)}<br><small>${esc(m.kind)} — ${esc(m.target)}</small></td><td>${esc(m.platform)}</td><td class="st">${esc(m.statusText)}</td><td>${esc(m.reason)}</td><td>${esc(when(m.endedAt, lang))}</td><td class="fix">${esc(m.fix)}</td><td>${m.measures.length ? `<ul class="ev">${m.measures.map(([k, v]) => `<li>${esc(labelled(k, v, lang))}</li>`).join('')}</ul>` : ''}</td></tr>`,
  );
  const head = [t('scenario', lang), t('platform', lang), t('status', lang), t('reason', lang), t('lastRun', lang), t('fix', lang), t('measures', lang)];
  return `<section aria-labelledby="media"><h2 id="media">${esc(t('media', lang))}</h2><table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

export function sessionsTable(view: FlowView, lang: Lang): string {
  const title = `<h2 id="sessions">${esc(t('sessions', lang))}</h2>`;
  if (!view.sessions.length) return `<section aria-labelledby="sessions">${title}<p>${esc(t('noSession', lang))}</p></section>`;
  const rows = view.sessions.map((s) => {
    const cls = s.ready === 'ready' ? 'ok' : s.ready === 'at_risk' ? 'failed' : 'pending';
    const text = s.ready === 'ready' ? t('ready', lang) : s.ready === 'at_risk' ? t('at_risk', lang, { n: s.failing }) : t('pendingSession', lang);
    return `<tr class="${cls}"><td>${esc(s.name)}</td><td>${esc(s.platform)}</td><td>${esc(when(s.start, lang))}${s.inWindow ? esc(t('inWindow', lang)) : ''}</td><td class="st">${esc(text)}</td></tr>`;
  });
  const head = [t('session', lang), t('platform', lang), t('start', lang), t('readiness', lang)];
  return `<section aria-labelledby="sessions">${title}<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}
