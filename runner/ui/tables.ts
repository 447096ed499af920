// Plain-text tables for the CLI: columns sized to content, colour only on a TTY.
import type { CheckResult, CheckStatus } from '../core/contract.ts';
import type { CatalogRow } from '../config/catalog.ts';
import { fixText, flowText, type Lang, reasonText, statusText, t } from './i18n.ts';

const COLOURS: Record<CheckStatus, string> = { ok: '\x1b[32m', degraded: '\x1b[33m', failed: '\x1b[31m' };

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
  const body = results.map((r) => [
    r.platform === 'site' ? t('site', lang) : r.platform,
    r.target,
    r.kind,
    statusText(r.status, lang),
    r.status === 'ok' ? '' : reasonText(r.reason, lang),
    fixText(r, rowsOf(r), lang),
  ]);
  const header = [t('platform', lang), t('flow', lang), t('check', lang), t('status', lang), t('reason', lang), t('fix', lang)];
  const colour = tty ? (ri: number, ci: number, text: string) => (ci === 3 ? `${COLOURS[results[ri]!.status]}${text}\x1b[0m` : text) : undefined;
  const counts = { ok: 0, degraded: 0, failed: 0 };
  for (const r of results) counts[r.status]++;
  return `${renderTable(header, body, colour)}\n\n${t('summary', lang, counts)}\n`;
}

export function catalogTable(rows: readonly CatalogRow[], lang: Lang): string {
  const header = [t('platform', lang), t('flow', lang), t('check', lang), lang === 'fr' ? 'Source' : 'Source'];
  const body = rows.map((r) => [r.platform, flowText(r, lang), r.checks.join(',') || `(${t('notCheckable', lang)})`, r.source]);
  return `${renderTable(header, body)}\n`;
}

/** The media measurements of scenario results, one block per result (vigie scenario). */
const MEDIA_FIELDS: [key: string, fr: string, en: string, unit?: string][] = [
  ['ice_connected_seconds', 'ICE connecté en', 'ICE connected in', 's'],
  ['local_candidate_type', 'Candidat local', 'Local candidate'],
  ['remote_candidate_type', 'Candidat distant', 'Remote candidate'],
  ['candidate_protocol', 'Protocole', 'Protocol'],
  ['relay_protocol', 'Protocole du relais', 'Relay protocol'],
  ['remote_port', 'Port distant', 'Remote port'],
  ['outbound_frame_width', 'Largeur envoyée', 'Width sent', 'px'],
  ['outbound_frame_height', 'Hauteur envoyée', 'Height sent', 'px'],
  ['time_to_720p_seconds', '720p atteint en', '720p reached in', 's'],
  ['outbound_fps', 'Images/s envoyées', 'Frames/s sent'],
  ['outbound_bytes_per_second', 'Débit vidéo envoyé', 'Video bitrate sent', 'B/s'],
  ['quality_limitation_reason', 'Limitation', 'Limited by'],
  ['inbound_frame_width', 'Largeur reçue', 'Width received', 'px'],
  ['inbound_frame_height', 'Hauteur reçue', 'Height received', 'px'],
  ['inbound_fps', 'Images/s reçues', 'Frames/s received'],
  ['inbound_bytes_per_second', 'Débit vidéo reçu', 'Video bitrate received', 'B/s'],
  ['outbound_packet_loss_ratio', 'Pertes (envoi)', 'Loss (sent)'],
  ['inbound_packet_loss_ratio', 'Pertes (réception)', 'Loss (received)'],
  ['inbound_jitter_seconds', 'Gigue', 'Jitter', 's'],
  ['rtt_seconds', 'RTT', 'RTT', 's'],
  ['freeze_count', 'Gels image', 'Video freezes'],
  ['audio_mos', 'MOS audio estimé', 'Estimated audio MOS'],
  ['bytes_sent', 'Octets envoyés', 'Bytes sent'],
  ['bytes_received', 'Octets reçus', 'Bytes received'],
  ['browser_memory_peak_bytes', 'Mémoire navigateur (pic)', 'Browser memory (peak)', 'B'],
  ['failed_step', 'Étape en échec', 'Failed step'],
  ['screenshot', "Capture d'écran", 'Screenshot'],
];

export function mediaTable(results: readonly CheckResult[], lang: Lang): string {
  return results
    .map((r) => {
      const rows = MEDIA_FIELDS.filter(([k]) => r.observations[k] !== undefined && r.observations[k] !== null).map(([k, fr, en, unit]) => [lang === 'fr' ? fr : en, `${String(r.observations[k])}${unit ? ` ${unit}` : ''}`]);
      const title = `${String(r.observations.scenario ?? r.kind)} — ${r.target}`;
      return rows.length ? `${title}\n${renderTable([lang === 'fr' ? 'Mesure' : 'Measure', lang === 'fr' ? 'Valeur' : 'Value'], rows)}\n` : `${title}\n`;
    })
    .join('\n');
}
