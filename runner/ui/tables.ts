// Plain-text tables for the CLI: columns sized to content, colour only on a TTY.
import type { CheckResult, CheckStatus } from '../core/contract.ts';
import type { CatalogRow } from '../config/catalog.ts';
import { fixText, flowText } from './fix-text.ts';
import { labelled, type Lang, reasonText, statusText, t } from './i18n.ts';
import { explainedBy, sharedCauses } from './shared-causes.ts';
import { mediaMeasures } from './measures.ts';

const COLOURS: Record<CheckStatus, string> = { ok: '\x1b[32m', degraded: '\x1b[33m', failed: '\x1b[31m', unproven: '\x1b[36m' };

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], colour?: (row: number, col: number, text: string) => string): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], ri: number) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]!);
        return colour && ri >= 0 ? colour(ri, i, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(header, -1), line(widths.map((w) => '-'.repeat(w)), -1), ...rows.map((r, i) => line(r, i))].join('\n');
}

export function resultsTable(results: readonly CheckResult[], rowsOf: (r: CheckResult) => CatalogRow[], lang: Lang, tty: boolean): string {
  const causes = sharedCauses(results, lang);
  const lead = causes.map((c) => `${t('causesTitle', lang)} — ${labelled(c.text, c.fix, lang)}\n`).join('');
  const body = results.map((r) => [
    r.platform === 'site' ? t('site', lang) : r.platform,
    r.target,
    r.kind,
    statusText(r.status, lang),
    r.status === 'ok' ? '' : reasonText(r.reason, lang),
    explainedBy(r, causes) ? t('seeCause', lang) : fixText(r, rowsOf(r), lang),
  ]);
  const header = [t('platform', lang), t('flow', lang), t('check', lang), t('status', lang), t('reason', lang), t('fix', lang)];
  const colour = tty ? (ri: number, ci: number, text: string) => (ci === 3 ? `${COLOURS[results[ri]!.status]}${text}\x1b[0m` : text) : undefined;
  const counts = { ok: 0, degraded: 0, failed: 0, unproven: 0 };
  for (const r of results) counts[r.status]++;
  return `${lead ? `${lead}\n` : ''}${renderTable(header, body, colour)}\n\n${t('summary', lang, counts)}\n`;
}

export function catalogTable(rows: readonly CatalogRow[], lang: Lang): string {
  const header = [t('platform', lang), t('flow', lang), t('check', lang), t('source', lang)];
  const body = rows.map((r) => [r.platform, flowText(r, lang), r.checks.join(',') || `(${t('notCheckable', lang)})`, r.source]);
  return `${renderTable(header, body)}\n`;
}

/** The media measurements of scenario results, one block per result (vigie scenario). */
export function mediaBlocks(results: readonly CheckResult[], lang: Lang): string {
  return results
    .map((r) => {
      const rows = mediaMeasures(r, lang, true);
      const title = `${String(r.observations.scenario ?? r.kind)} — ${r.target}`;
      return rows.length ? `${title}\n${renderTable([t('measure', lang), t('value', lang)], rows)}\n` : `${title}\n`;
    })
    .join('\n');
}
