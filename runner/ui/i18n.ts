// User-facing words (CLI table, status page, later the report): French by default, English available.
import type { CheckResult, CheckStatus } from '../core/contract.ts';
import { REASONS, type Reason } from '../core/reasons.ts';
import type { CatalogRow } from '../config/catalog.ts';

export type Lang = 'fr' | 'en';

const STATUS: Record<CheckStatus, Record<Lang, string>> = {
  ok: { fr: 'OK', en: 'OK' },
  degraded: { fr: 'DÉGRADÉ', en: 'DEGRADED' },
  failed: { fr: 'ÉCHEC', en: 'FAILED' },
};

const WORDS = {
  platform: { fr: 'Plateforme', en: 'Platform' },
  flow: { fr: 'Flux', en: 'Flow' },
  check: { fr: 'Contrôle', en: 'Check' },
  status: { fr: 'État', en: 'Status' },
  reason: { fr: 'Cause', en: 'Reason' },
  fix: { fr: 'À demander', en: 'What to ask for' },
  summary: { fr: 'contrôles : {ok} OK, {degraded} dégradés, {failed} en échec', en: 'checks: {ok} OK, {degraded} degraded, {failed} failed' },
  site: { fr: 'Poste / site', en: 'Site' },
  lastRun: { fr: 'Dernier passage', en: 'Last run' },
  never: { fr: 'pas encore exécuté', en: 'not run yet' },
  title: { fr: 'Vigie — état des flux', en: 'Vigie — flow status' },
  notCheckable: { fr: 'non vérifiable depuis l’intérieur', en: 'not checkable from inside' },
  media: { fr: 'Visio de test (navigateur)', en: 'Test video calls (browser)' },
  scenario: { fr: 'Scénario', en: 'Scenario' },
  measures: { fr: 'Mesures', en: 'Measurements' },
  sessions: { fr: 'Prochaines séances RCP', en: 'Upcoming RCP sessions' },
  session: { fr: 'Séance', en: 'Session' },
  start: { fr: 'Début', en: 'Start' },
  readiness: { fr: 'Prête ?', en: 'Ready?' },
  ready: { fr: 'Prête', en: 'Ready' },
  at_risk: { fr: 'À risque : {n} flux en échec', en: 'At risk: {n} flows failing' },
  pendingSession: { fr: 'Pas encore vérifiée', en: 'Not checked yet' },
  inWindow: { fr: ' (vérifications renforcées en cours)', en: ' (pre-session checks under way)' },
  evidence: { fr: 'Éléments de preuve', en: 'Evidence' },
  reportTitle: { fr: 'Rapport de conformité réseau', en: 'Network compliance report' },
  establishment: { fr: 'Établissement', en: 'Establishment' },
  region: { fr: 'Région', en: 'Region' },
  generatedAt: { fr: 'Établi le', en: 'Produced on' },
  probeVersion: { fr: 'Sonde Vigie', en: 'Vigie probe' },
  otherLang: { fr: 'English', en: 'Français' },
  refresh: { fr: 'Actualiser', en: 'Refresh' },
  noSession: { fr: 'Aucune séance RCP configurée.', en: 'No RCP session configured.' },
  reportIntro: {
    fr: 'Chaque flux demandé par les documents de prérequis des plateformes a été vérifié depuis le réseau de l’établissement. Les lignes en échec indiquent la cause et la modification à demander.',
    en: "Every flow the platforms' prerequisite documents ask for was checked from the establishment's network. Failed rows give the cause and the change to ask for.",
  },
  pendingStatus: { fr: 'EN ATTENTE', en: 'PENDING' },
} as const;

export type Word = keyof typeof WORDS;

export function t(word: Word, lang: Lang, vars: Record<string, string | number> = {}): string {
  return WORDS[word][lang].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

export function statusText(s: CheckStatus, lang: Lang): string {
  return STATUS[s][lang];
}

export function reasonText(r: Reason, lang: Lang): string {
  return REASONS[r][lang];
}

/** "443/TCP sortant vers visio.sante-ra.fr (195.254.161.153)" */
export function flowText(row: CatalogRow, lang: Lang): string {
  if ('url' in row) return row.url;
  const dir = row.direction === 'out' ? (lang === 'fr' ? 'sortant vers' : 'outbound to') : lang === 'fr' ? 'entrant depuis' : 'inbound from';
  const ips = row.ips.length ? ` (${row.ips.join(', ')})` : '';
  return `${row.port}/${row.transport.toUpperCase()} ${dir} ${row.host}${ips}`;
}

function targetFlow(r: CheckResult, rows: readonly CatalogRow[], lang: Lang): string[] {
  const flows = rows.filter((row) => 'host' in row && (r.kind === 'dns' || (row.port === r.port && row.transport === r.transport))).map((row) => flowText(row, lang));
  if (flows.length) return [...new Set(flows)];
  const port = r.port ?? (r.kind === 'dns' ? 53 : 443);
  return [`${port}/${r.transport.toUpperCase()} ${lang === 'fr' ? 'sortant vers' : 'outbound to'} ${r.host}`];
}

/** The change to ask the hospital's network team (or the platform) for, in plain words. */
export function fixText(r: CheckResult, rows: readonly CatalogRow[], lang: Lang): string {
  if (r.status === 'ok') return '';
  const fr = lang === 'fr';
  const remedy = REASONS[r.reason].remedy;
  switch (remedy) {
    case 'open_flow': {
      if (r.kind === 'clock') return fr ? `Ouvrir 123/UDP sortant vers ${r.host} (NTP)` : `Open outbound 123/UDP to ${r.host} (NTP)`;
      return targetFlow(r, rows, lang).map((f) => (fr ? `Ouvrir ${f}` : `Open ${f}`)).join(' ; ');
    }
    case 'dns': {
      if (r.reason === 'dns_ip_drift') {
        const seen = (r.observations.undocumented as string[] | undefined)?.join(', ') ?? '';
        return fr
          ? `Mettre à jour les règles pare-feu par IP pour ${r.host} : adresse actuelle ${seen} (document : ${(r.observations.documented as string[] | undefined)?.join(', ') ?? ''})`
          : `Update IP-based firewall rules for ${r.host}: current address ${seen} (document: ${(r.observations.documented as string[] | undefined)?.join(', ') ?? ''})`;
      }
      return fr ? `Vérifier que le DNS de l'établissement résout ${r.host}` : `Check that the establishment's DNS resolves ${r.host}`;
    }
    case 'tls_inspection':
      return fr
        ? `Exclure ${r.host}:${r.port ?? 443} de l'inspection TLS (DPI/proxy) et vérifier la chaîne de certificats`
        : `Exempt ${r.host}:${r.port ?? 443} from TLS inspection (DPI/proxy) and check the certificate chain`;
    case 'platform':
      return fr ? `Signaler à l'opérateur de la plateforme ${r.platform} (${r.host})` : `Report to the ${r.platform} platform operator (${r.host})`;
    case 'proxy':
      if (r.reason === 'proxy_ntlm_only')
        return fr
          ? `Exempter ces flux de l'authentification NTLM du proxy (exception pour ${r.host}) ou proposer l'authentification Basic`
          : `Exempt these flows from NTLM proxy authentication (exception for ${r.host}) or offer Basic authentication`;
      return fr ? `Autoriser ${r.host} sur le proxy (ports 80 et 443)` : `Allow ${r.host} on the proxy (ports 80 and 443)`;
    case 'bandwidth':
      return fr
        ? `Vérifier le débit montant de l'établissement (1 à 2 Mb/s par visio) et la QoS des flux média vers ${r.host}`
        : `Check the establishment's uplink bandwidth (1 to 2 Mb/s per call) and the QoS of media flows to ${r.host}`;
    case 'probe':
      return fr ? 'Vérifier la sonde (journal, mémoire, navigateur Chromium)' : 'Check the probe (log, memory, Chromium browser)';
    case 'clock':
      return fr ? "Synchroniser l'horloge du serveur de la sonde avec un serveur de temps (NTP)" : "Synchronise the probe host's clock with a time server (NTP)";
    default:
      return '';
  }
}
