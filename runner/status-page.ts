// The probe's local status page: per platform, each catalog flow with the status of the checks
// that cover it, the plain-language reason, last run and the fix to ask for. Server-rendered HTML,
// readable without JavaScript; no secret ever reaches it (results carry none).
import type { CheckResult } from '../probes/contract.ts';
import { flowText, fixText, type Lang, reasonText, statusText, t } from './i18n.ts';
import type { Plan } from './plan.ts';

export interface StatusSnapshot {
  plan: Plan;
  latest: ReadonlyMap<string, { result: CheckResult; endedAt: number }>;
  site: { establishment: string; name: string; region: string };
  lang: Lang;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function when(ts: number | undefined, lang: Lang): string {
  if (ts === undefined) return t('never', lang);
  return new Date(ts * 1000).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', { timeZone: 'Europe/Paris' });
}

export function renderStatusPage(s: StatusSnapshot): string {
  const { plan, latest, lang } = s;
  const sections: string[] = [];
  const platforms = [...plan.catalogs.map((c) => ({ id: c.platform, title: c.title })), { id: 'site', title: t('site', lang) }];
  for (const p of platforms) {
    const checks = plan.checks.filter((c) => c.target.platform === p.id);
    if (!checks.length) continue;
    const lines = checks.map((c) => {
      const l = latest.get(c.id);
      const rows = c.rows.map((i) => plan.rows[i]!);
      const flows = rows.length ? [...new Set(rows.map((r) => flowText(r, lang)))] : [`${c.target.host}${c.target.port ? `:${c.target.port}` : ''}`];
      const status = l?.result.status;
      return `<tr class="${status ?? 'pending'}"><td>${flows.map(esc).join('<br>')}</td><td>${esc(c.kind)}</td><td class="st">${status ? esc(statusText(status, lang)) : '…'}</td><td>${l && l.result.status !== 'ok' ? esc(reasonText(l.result.reason, lang)) : ''}</td><td>${esc(when(l?.endedAt, lang))}</td><td>${l ? esc(fixText(l.result, rows, lang)) : ''}</td></tr>`;
    });
    sections.push(
      `<section><h2>${esc(p.title)}</h2><table><thead><tr><th scope="col">${t('flow', lang)}</th><th scope="col">${t('check', lang)}</th><th scope="col">${t('status', lang)}</th><th scope="col">${t('reason', lang)}</th><th scope="col">${t('lastRun', lang)}</th><th scope="col">${t('fix', lang)}</th></tr></thead><tbody>${lines.join('')}</tbody></table></section>`,
    );
  }
  const site = s.site.name || s.site.establishment;
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="60"><title>${esc(t('title', lang))} — ${esc(site)}</title><style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
tr.ok .st{background:#d7f5dd}tr.degraded .st{background:#ffe9b3}tr.failed .st{background:#ffd2d2;font-weight:bold}tr.pending .st{background:#eee}
</style></head><body><main><h1>${esc(t('title', lang))} — ${esc(site)}</h1>${sections.join('')}</main></body></html>`;
}
