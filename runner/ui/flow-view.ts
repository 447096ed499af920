// What the status page and the compliance report show, computed once from the plan and the latest
// results: per platform, each catalog flow with the checks that cover it, the reason in plain words,
// the fix to ask for and the evidence; the media scenarios' last measurements; the RCP sessions and
// whether each is ready. Both views render this model; neither computes anything of its own.
import { isScenarioKind } from '../config/kinds.ts';
import type { CheckResult, CheckStatus } from '../core/contract.ts';
import type { CatalogRow } from '../config/catalog.ts';
import { flowStatuses, type FlowStatus, type FlowVerdict } from '../engine/flow-evidence.ts';
import { type HistoryCell, mergeCells, type RunHistory } from '../engine/history.ts';
import { type CheckSpec, type Plan, sessionChecks, sessionPlatforms } from '../engine/plan.ts';
import type { Latest } from '../engine/results-store.ts';
import { FLOW_PLATFORMS } from '../../scenarios/page-flow.ts';
import { fixText, flowText } from './fix-text.ts';
import { explainedBy, sharedCauses, type SharedCause } from './shared-causes.ts';
import { type Lang, reasonText, statusText, t } from './i18n.ts';
import { evidenceOf, mediaMeasures } from './measures.ts';

export type { Latest };

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

/** One documented flow (a catalog row) with its verdict from the evidence. */
export interface FlowLine {
  flow: string;
  verdict: FlowVerdict;
  verdictText: string;
  /** What proved it, or what failed, in short ("stun ok", "janus-videoroom salle: host/udp"). */
  by: string;
  /** The change to ask for, when failed (the failing check's), or what would prove it when unproven. */
  fix: string;
  at: number | undefined;
  /** The last 24 h of the checks covering the flow, one cell per 5 minutes (the worst of them). */
  history: HistoryCell[];
}

export interface PlatformView {
  id: string;
  title: string;
  counts: Record<CheckStatus | 'pending', number>;
  /** The platform's documented outbound flows, one line each. */
  flows: FlowLine[];
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
  /** What to ask for when the scenario failed (the flows its ICE attempt needed). */
  fix: string;
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
  /** Establishment-wide causes that explain many failed checks at once, said first. */
  causes: SharedCause[];
  platforms: PlatformView[];
  media: MediaLine[];
  sessions: SessionLine[];
  counts: Record<CheckStatus | 'pending', number>;
}

const zero = (): Record<CheckStatus | 'pending', number> => ({ ok: 0, degraded: 0, failed: 0, unproven: 0, pending: 0 });

/** The platform's documented outbound flows, each once (a flow documented for two usages is one line). */
function flowLines(plan: Plan, latest: ReadonlyMap<string, Latest>, flows: readonly FlowStatus[], platform: string, lang: Lang, history: RunHistory | undefined): FlowLine[] {
  const out = new Map<string, FlowLine>();
  for (const f of flows.filter((x) => x.platform === platform && x.direction === 'out')) {
    const flow = flowText(plan.rows[f.row]!, lang);
    if (out.has(flow)) continue;
    const cells = history ? mergeCells(plan.checks.filter((c) => c.rows.includes(f.row) && c.kind !== 'dns').map((c) => history.of(c.id))) : [];
    const failing = f.failedCheck ? latest.get(f.failedCheck)?.result : undefined;
    const row = plan.rows[f.row]!;
    const fix = failing ? fixText(failing, [row], lang) : f.verdict === 'unproven' ? unprovenText(plan, row, lang) : '';
    out.set(flow, { flow, verdict: f.verdict, verdictText: t(`flow_${f.verdict}`, lang), by: f.by.join(', '), fix, at: f.at, history: cells });
  }
  return [...out.values()];
}

/** What would prove an unproven flow: the platform's own test page when one ships and none is configured. */
function unprovenText(plan: Plan, row: CatalogRow, lang: Lang): string {
  const flow = Object.entries(FLOW_PLATFORMS).find(([, platform]) => platform === row.platform)?.[0];
  const configured = plan.checks.some((c) => c.scenario !== undefined && c.target.platform === row.platform);
  if (flow && !configured) return t(flow === 'dcc-guest-join' ? 'flowUnprovenDcc' : 'flowUnprovenPage', lang, { flow });
  return t(row.checks.length ? 'flowUnprovenFix' : 'flowUncheckable', lang);
}


/** One check's line: the documented flows it covers, its status, the reason and the change to ask for. */
function checkLine(c: CheckSpec, l: Latest | undefined, rows: readonly CatalogRow[], lang: Lang, causes: readonly SharedCause[]): CheckLine {
  // A dns check covers a name, not the application flows of the rows that name it.
  const flows = c.kind === 'dns' ? [t('dnsFlow', lang, { host: c.target.host })] : rows.length ? [...new Set(rows.map((r) => flowText(r, lang)))] : [`${c.target.host}${c.target.port ? `:${c.target.port}` : ''}`];
  return {
    id: c.id,
    kind: c.kind,
    flows,
    status: l?.result.status ?? 'pending',
    statusText: l ? statusText(l.result.status, lang) : '…',
    reason: l && l.result.status !== 'ok' ? reasonText(l.result.reason, lang) : '',
    fix: !l ? '' : explainedBy(l.result, causes) ? t('seeCause', lang) : fixText(l.result, rows, lang),
    endedAt: l?.endedAt,
    message: l?.result.message ?? '',
    evidence: l ? evidenceOf(l.result, lang, false) : [],
  };
}

/**
 * The NTP flow of the clock check, apart from the offset: when NTP did not answer, the offset may
 * still be known from the HTTPS Date header, but the network team must still open 123/UDP.
 */
function ntpLine(c: CheckSpec, l: Latest | undefined, lang: Lang): CheckLine {
  const r = l?.result;
  const answered = r?.observations.source === 'ntp';
  const status = !r ? 'pending' : answered ? 'ok' : 'failed';
  const vars = { host: c.target.host, port: c.target.port ?? 123 };
  return {
    id: `${c.id}#ntp`,
    kind: 'ntp',
    flows: [t('ntpFlow', lang, vars)],
    status,
    statusText: r ? statusText(status === 'ok' ? 'ok' : 'failed', lang) : '…',
    reason: status === 'failed' ? t('ntpNoAnswer', lang) : '',
    fix: status === 'failed' ? t('fixOpenNtp', lang, vars) : '',
    endedAt: l?.endedAt,
    message: typeof r?.observations.ntp_error === 'string' ? r.observations.ntp_error : '',
    evidence: [],
  };
}

export function buildFlowView(plan: Plan, latest: ReadonlyMap<string, Latest>, sessions: readonly SessionInfo[], lang: Lang, evidenceMaxAgeMs?: number, history?: RunHistory): FlowView {
  const counts = zero();
  const flows = flowStatuses(plan, latest, Date.now() / 1000, evidenceMaxAgeMs);
  const causes = sharedCauses([...latest.values()].map((l) => l.result), lang);
  const platforms: PlatformView[] = [];
  const media: MediaLine[] = [];
  const all = [...plan.catalogs.map((c) => ({ id: c.platform, title: c.title })), { id: 'site', title: t('site', lang) }];
  for (const p of all) {
    const view: PlatformView = { id: p.id, title: p.title, counts: zero(), flows: flowLines(plan, latest, flows, p.id, lang, history), lines: [] };
    for (const c of plan.checks.filter((x) => x.target.platform === p.id && !isScenarioKind(x.kind))) {
      const l = latest.get(c.id);
      const lines = [checkLine(c, l, c.rows.map((i) => plan.rows[i]!), lang, causes), ...(c.kind === 'clock' ? [ntpLine(c, l, lang)] : [])];
      for (const line of lines) {
        view.counts[line.status]++;
        counts[line.status]++;
      }
      view.lines.push(...lines);
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
      fix: l ? fixText(l.result, [], lang) : '',
      endedAt: l?.endedAt,
      measures: l ? mediaMeasures(l.result, lang) : [],
    });
  }
  const sessionLines = sessions.map((s): SessionLine => {
    const checks = sessionChecks(plan.checks, plan.catalogs, s.occurrence.platform);
    const results = checks.map((c) => latest.get(c.id)?.result).filter((r): r is CheckResult => r !== undefined);
    // A platform whose document requires a synchronised clock (Covotem, Therap-e) is at risk from a
    // clock that is merely off (degraded), not only from one that is far off.
    const strictClock = sessionPlatforms(plan.catalogs, s.occurrence.platform).some((p) => plan.catalogs.find((c) => c.platform === p)?.requires_clock_sync);
    const failing = results.filter((r) => r.status === 'failed' || (strictClock && r.kind === 'clock' && r.status === 'degraded')).length;
    return { platform: s.occurrence.platform, name: s.occurrence.name, start: s.occurrence.start, inWindow: s.inWindow, failing, ready: results.length === 0 ? 'pending' : failing ? 'at_risk' : 'ready' };
  });
  return { causes, platforms, media, sessions: sessionLines, counts };
}
