// The change to ask the hospital's network team (or the platform) for, in plain words, and how a
// documented flow is written ("443/TCP sortant vers visio.sante-ra.fr (195.254.161.153)").
import type { CatalogRow } from '../config/catalog.ts';
import { isScenarioKind } from '../config/kinds.ts';
import type { CheckResult } from '../core/contract.ts';
import { REASONS } from '../core/reasons.ts';
import { type Lang, t } from './i18n.ts';

/** "443/TCP sortant vers visio.sante-ra.fr (195.254.161.153)" */
export function flowText(row: CatalogRow, lang: Lang): string {
  if ('url' in row) return row.url;
  const ips = row.ips.length ? ` (${row.ips.join(', ')})` : '';
  return `${row.port}/${row.transport.toUpperCase()} ${t(row.direction === 'out' ? 'outboundTo' : 'inboundFrom', lang)} ${row.host}${ips}`;
}

function targetFlow(r: CheckResult, rows: readonly CatalogRow[], lang: Lang): string[] {
  // After a 300 Try Alternate the flow that failed is the one to the alternate server, not the documented one.
  const alternate = r.observations.redirected_to;
  if (typeof alternate === 'string') {
    const at = alternate.lastIndexOf(':');
    return [`${alternate.slice(at + 1)}/${r.transport.toUpperCase()} ${t('outboundTo', lang)} ${alternate.slice(0, at)}`];
  }
  const flows = rows.filter((row) => 'host' in row && (r.kind === 'dns' || (row.port === r.port && row.transport === r.transport))).map((row) => flowText(row, lang));
  if (flows.length) return [...new Set(flows)];
  const port = r.port ?? (r.kind === 'dns' ? 53 : 443);
  return [`${port}/${r.transport.toUpperCase()} ${t('outboundTo', lang)} ${r.host}`];
}

const list = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : '');

/**
 * What a browser scenario's failed media needed: the flows its ICE attempt tried ("10000/UDP
 * 198.51.100.7", the TURN servers it could not reach), never the page's own 443 that loaded fine.
 */
function mediaFlows(r: CheckResult, lang: Lang): string {
  const needed = r.observations.ice_needed_flows;
  if (!Array.isArray(needed) || !needed.length) return t('fixMediaFlows', lang, { platform: r.platform });
  return needed
    .map((f) => {
      const [portProto, host] = String(f).split(' ');
      return t('fixOpen', lang, { flow: `${portProto} ${t('outboundTo', lang)} ${host}` });
    })
    .join(' ; ');
}

export function fixText(r: CheckResult, rows: readonly CatalogRow[], lang: Lang): string {
  if (r.status === 'ok') return '';
  const host = r.host;
  if (r.status === 'unproven') {
    if (r.reason === 'ice_port_unproven') return t('fixUnproven', lang);
    if (r.reason === 'proxy_ntlm_unverified') return t('fixNtlmUnverified', lang, { host });
    return t('fixUnprovenClosed', lang, { host, port: r.port ?? '', transport: r.transport.toUpperCase() });
  }
  switch (REASONS[r.reason].remedy) {
    case 'open_flow':
      if (r.kind === 'clock') return t('fixOpenNtp', lang, { host, port: r.port ?? 123 });
      if (isScenarioKind(r.kind)) return mediaFlows(r, lang);
      return targetFlow(r, rows, lang)
        .map((flow) => t('fixOpen', lang, { flow }))
        .join(' ; ');
    case 'dns':
      if (r.reason === 'dns_ip_drift') return t('fixDrift', lang, { host, seen: list(r.observations.undocumented), documented: list(r.observations.documented) });
      return t('fixDns', lang, { host });
    case 'tls_inspection':
      // No TLS advice for a flow that carries no TLS (STUN over UDP or TCP).
      if (r.reason === 'tls_hello_rejected') return t('fixHelloRejected', lang, { host, port: r.port ?? 443 });
      if (r.reason === 'tls_sni_filtered') return t('fixSniFiltered', lang, { host, port: r.port ?? 443 });
      if (r.kind === 'stun' || r.kind === 'turn' || r.transport === 'udp') return t('fixInspection', lang, { host, port: r.port ?? '', transport: r.transport.toUpperCase() });
      return t('fixTls', lang, { host, port: r.port ?? 443 });
    case 'protocol_inspection':
      return t('fixInspectionOnly', lang, { host, port: r.port ?? '', transport: r.transport.toUpperCase() });
    case 'platform':
      return t('fixPlatform', lang, { host, platform: r.platform });
    case 'proxy':
      return t(r.reason === 'proxy_ntlm_only' ? 'fixNtlm' : 'fixProxy', lang, { host });
    case 'network_path':
      return t('fixNetworkPath', lang, { host, port: r.port ?? 443 });
    case 'bandwidth':
      return t('fixBandwidth', lang, { host });
    case 'probe':
      return t(r.reason === 'browser_sandbox_unavailable' ? 'fixSandbox' : 'fixProbe', lang);
    case 'clock':
      return t('fixClock', lang);
    default:
      return '';
  }
}
