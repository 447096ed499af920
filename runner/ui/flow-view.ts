// What the status page and the compliance report show, computed once from the plan and the latest
// results: per platform, each catalog flow with the checks that cover it, the reason in plain words,
// the fix to ask for and the evidence; the media scenarios' last measurements; the RCP sessions and
// whether each is ready. Both views render this model; neither computes anything of its own.
import type { CheckResult, CheckStatus, Observation } from '../core/contract.ts';
import { isScenarioKind } from '../../scenarios/index.ts';
import { fixText, flowText, type Lang, reasonText, statusText, t } from './i18n.ts';
import type { Plan } from '../engine/plan.ts';

export interface Latest {
  result: CheckResult;
  endedAt: number;
}

export interface SessionInfo {
  occurrence: { platform: string; name: string; start: Date };
  inWindow: boolean;
}

export interface CheckLine {
  id: string;
  kind: string;
  flows: string[];
  status: CheckStatus | 'pending';
  statusText: string;
  reason: string;
  fix: string;
  endedAt: number | undefined;
  message: string;
  /** Short "label: value" pairs a support engineer reads instead of a screenshot. */
  evidence: string[];
}

export interface PlatformView {
  id: string;
  title: string;
  counts: Record<CheckStatus | 'pending', number>;
  lines: CheckLine[];
}

export interface MediaLine {
  scenario: string;
  kind: string;
  platform: string;
  target: string;
  status: CheckStatus | 'pending';
  statusText: string;
  reason: string;
  endedAt: number | undefined;
  measures: [string, string][];
}

export interface SessionLine {
  platform: string;
  name: string;
  start: Date;
  inWindow: boolean;
  /** Ready when no check of the platform failed at its last run; pending when none ran yet. */
  ready: 'ready' | 'at_risk' | 'pending';
  failing: number;
}

export interface FlowView {
  platforms: PlatformView[];
  media: MediaLine[];
  sessions: SessionLine[];
  counts: Record<CheckStatus | 'pending', number>;
}

const ms = (s: number) => `${Math.round(s * 1000)} ms`;

function evidenceOf(r: CheckResult, lang: Lang): string[] {
  const o = r.observations;
  const fr = lang === 'fr';
  const out: string[] = [];
  const str = (v: Observation | undefined) => (Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v));
  const phases = Object.entries(r.phases).filter(([, s]) => s > 0);
  if (phases.length) out.push(`${fr ? 'Durées' : 'Timings'}: ${phases.map(([p, s]) => `${p} ${ms(s)}`).join(', ')}`);
  if (o.address !== undefined) out.push(`${fr ? 'Adresse' : 'Address'}: ${str(o.address)}`);
  if (o.addresses !== undefined) out.push(`${fr ? 'Adresses DNS' : 'DNS addresses'}: ${str(o.addresses)}${o.addresses6 ? `, ${str(o.addresses6)}` : ''}`);
  if (o.tls_version !== undefined) out.push(`TLS: ${str(o.tls_version)}${o.cipher ? ` (${str(o.cipher)})` : ''}`);
  if (o.leaf_issuer !== undefined) out.push(`${fr ? 'Émetteur du certificat' : 'Certificate issuer'}: ${str(o.leaf_issuer)}`);
  if (o.not_after !== undefined) out.push(`${fr ? 'Expire le' : 'Expires'}: ${str(o.not_after)}`);
  if (o.status_code !== undefined) out.push(`HTTP ${str(o.status_code)}`);
  if (r.kind === 'ocsp' && typeof o.status === 'string') out.push(`OCSP: ${o.status}`);
  if (o.mapped_address !== undefined) out.push(`${fr ? 'Adresse vue par le serveur' : 'Address seen by the server'}: ${str(o.mapped_address)}`);
  if (o.relayed_address !== undefined) out.push(`${fr ? 'Adresse relayée' : 'Relayed address'}: ${str(o.relayed_address)}`);
  if (typeof o.rtt_seconds === 'number' && !isScenarioKind(r.kind)) out.push(`RTT: ${ms(o.rtt_seconds)}`);
  if (typeof o.loss_ratio === 'number') out.push(`${fr ? 'Pertes' : 'Loss'}: ${(o.loss_ratio * 100).toFixed(1)} %`);
  if (typeof o.offset_seconds === 'number') out.push(`${fr ? 'Décalage' : 'Offset'}: ${ms(o.offset_seconds)}`);
  if (o.via_proxy === true) out.push(fr ? 'Via le proxy' : 'Through the proxy');
  return out;
}

const MEDIA_MEASURES: [key: string, fr: string, en: string, format: (v: number | string) => string][] = [
  ['outbound_frame_height', 'Vidéo envoyée', 'Video sent', (v) => String(v)],
  ['outbound_fps', 'Images/s envoyées', 'Frames/s sent', (v) => (+v).toFixed(0)],
  ['inbound_frame_height', 'Vidéo reçue', 'Video received', (v) => String(v)],
  ['ice_connected_seconds', 'Connexion ICE', 'ICE connected', (v) => ms(+v)],
  ['time_to_720p_seconds', '720p atteint en', '720p reached in', (v) => ms(+v)],
  ['local_candidate_type', 'Chemin', 'Path', (v) => String(v)],
  ['relay_protocol', 'Relais', 'Relay', (v) => String(v).toUpperCase()],
  ['outbound_bytes_per_second', 'Débit envoyé', 'Bitrate sent', (v) => `${((+v * 8) / 1000).toFixed(0)} kb/s`],
  ['inbound_packet_loss_ratio', 'Pertes', 'Loss', (v) => `${(+v * 100).toFixed(1)} %`],
  ['inbound_jitter_seconds', 'Gigue', 'Jitter', (v) => ms(+v)],
  ['rtt_seconds', 'RTT', 'RTT', (v) => ms(+v)],
  ['audio_mos', 'MOS audio estimé', 'Estimated audio MOS', (v) => String(v)],
  ['failed_step', 'Étape en échec', 'Failed step', (v) => String(v)],
];

function mediaMeasures(r: CheckResult, lang: Lang): [string, string][] {
  const o = r.observations;
  return MEDIA_MEASURES.filter(([k]) => typeof o[k] === 'number' || typeof o[k] === 'string').map(([k, fr, en, f]) => {
    let v = f(o[k] as number | string);
    if (k === 'outbound_frame_height') v = `${String(o.outbound_frame_width)}×${v}`;
    if (k === 'inbound_frame_height') v = `${String(o.inbound_frame_width)}×${v}`;
    return [lang === 'fr' ? fr : en, v];
  });
}

const zero = (): Record<CheckStatus | 'pending', number> => ({ ok: 0, degraded: 0, failed: 0, pending: 0 });

export function buildFlowView(plan: Plan, latest: ReadonlyMap<string, Latest>, sessions: readonly SessionInfo[], lang: Lang): FlowView {
  const counts = zero();
  const platforms: PlatformView[] = [];
  const media: MediaLine[] = [];
  const all = [...plan.catalogs.map((c) => ({ id: c.platform, title: c.title })), { id: 'site', title: t('site', lang) }];
  for (const p of all) {
    const view: PlatformView = { id: p.id, title: p.title, counts: zero(), lines: [] };
    for (const c of plan.checks.filter((x) => x.target.platform === p.id && !isScenarioKind(x.kind))) {
      const l = latest.get(c.id);
      const rows = c.rows.map((i) => plan.rows[i]!);
      const flows = rows.length ? [...new Set(rows.map((r) => flowText(r, lang)))] : [`${c.target.host}${c.target.port ? `:${c.target.port}` : ''}`];
      const status = l?.result.status ?? 'pending';
      view.counts[status]++;
      counts[status]++;
      view.lines.push({
        id: c.id,
        kind: c.kind,
        flows,
        status,
        statusText: l ? statusText(l.result.status, lang) : '…',
        reason: l && l.result.status !== 'ok' ? reasonText(l.result.reason, lang) : '',
        fix: l ? fixText(l.result, rows, lang) : '',
        endedAt: l?.endedAt,
        message: l?.result.message ?? '',
        evidence: l ? evidenceOf(l.result, lang) : [],
      });
    }
    if (view.lines.length) platforms.push(view);
  }
  for (const c of plan.checks.filter((x) => isScenarioKind(x.kind))) {
    const l = latest.get(c.id);
    const status = l?.result.status ?? 'pending';
    counts[status]++;
    media.push({
      scenario: c.scenario ?? c.kind,
      kind: c.kind,
      platform: c.target.platform,
      target: c.target.url ?? c.target.host,
      status,
      statusText: l ? statusText(l.result.status, lang) : '…',
      reason: l && l.result.status !== 'ok' ? reasonText(l.result.reason, lang) : '',
      endedAt: l?.endedAt,
      measures: l ? mediaMeasures(l.result, lang) : [],
    });
  }
  const sessionLines = sessions.map((s): SessionLine => {
    const checks = plan.checks.filter((c) => c.target.platform === s.occurrence.platform);
    const results = checks.map((c) => latest.get(c.id)?.result).filter((r): r is CheckResult => r !== undefined);
    const failing = results.filter((r) => r.status === 'failed').length;
    return { platform: s.occurrence.platform, name: s.occurrence.name, start: s.occurrence.start, inWindow: s.inWindow, failing, ready: results.length === 0 ? 'pending' : failing ? 'at_risk' : 'ready' };
  });
  return { platforms, media, sessions: sessionLines, counts };
}
