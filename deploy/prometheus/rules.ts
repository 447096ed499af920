// Alerts as code (after kubernetes-mixin): one SLO table generates the recording rules over
// probe_check_runs_total and the multi-window multi-burn-rate alerts; the cause-naming alerts
// (RCP session at risk, platform incident versus one establishment's network, probe down or stale,
// certificates, DNS drift, clock, media) sit beside them; runbook links are added in one pass.
// `npm run rules` writes deploy/prometheus/vigie-rules.yaml; the tests check it is current.
import { stringify } from 'yaml';
import { KINDS } from '../../runner/config/kinds.ts';
import { FLOW_CLASSES as CLASS_NAMES, type FlowClass } from '../../runner/core/definition.ts';

export type { FlowClass };

/** Where the runbooks of docs/runbooks/ are published; set VIGIE_RUNBOOK_BASE_URL when generating. */
export const RUNBOOK_BASE_URL = process.env.VIGIE_RUNBOOK_BASE_URL ?? 'https://vigie.example/docs/runbooks/';

/** Check kinds by flow class (what a hospital network team recognises), from each kind's definition. */
export const FLOW_CLASSES = Object.fromEntries(CLASS_NAMES.map((cls) => [cls, Object.entries(KINDS).flatMap(([k, def]) => (def.flowClass === cls ? [k] : []))])) as Record<FlowClass, string[]>;

/**
 * The SLO of each flow class: share of check runs that must succeed over 30 days. Site checks
 * (clock, proxy) and browser scenarios (a whole call through several flows, minutes apart) have
 * looser objectives than one protocol exchange.
 */
export const SLOS: Record<FlowClass, number> = { signalling: 0.995, media: 0.99, pki: 0.995, web: 0.995, site: 0.99, browser: 0.95 };

/** Multi-window multi-burn-rate table (Google SRE workbook): {severity, long, short, factor}. */
export const BURN_RATES = [
  { severity: 'page', long: '1h', short: '5m', factor: 14.4 },
  { severity: 'page', long: '6h', short: '30m', factor: 6 },
  { severity: 'ticket', long: '1d', short: '2h', factor: 3 },
  { severity: 'ticket', long: '3d', short: '6h', factor: 1 },
] as const;

const WINDOWS = [...new Set(BURN_RATES.flatMap((b) => [b.short, b.long]))];
const BY = 'establishment, region, platform, flow_class';
const ENDPOINT = 'platform, host, port, transport, kind';

function classed(expr: string): string {
  let out = expr;
  for (const [cls, kinds] of Object.entries(FLOW_CLASSES)) out = `label_replace(${out}, "flow_class", "${cls}", "kind", "${kinds.join('|')}")`;
  return out;
}

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const errorRatio = (w: string) => `vigie:check_error_ratio:rate${w}`;

const FAILED_5M = 'vigie:check_runs_failed:rate5m';
const COUNTED_5M = 'vigie:check_runs_counted:rate5m';
/** Windows read from the raw counters; longer ones are read from the 5-minute rates recorded here (one series per establishment, platform and class instead of one per check and reason). */
const RAW_WINDOWS = new Set(['5m']);
/** Windows only the ticket alerts read: evaluated every 2 minutes (under the 5-minute lookback), not every 30 s. */
const SLOW_WINDOWS = new Set(['1d', '3d']);

/**
 * Unproven runs (an ICE media port's silence) say nothing about the flow: they count neither way.
 * Cheap at fleet scale: the raw per-check counters are read over 5 minutes only.
 */
function recordingRules(windows: readonly string[]): Rule[] {
  return windows.map((w) => ({
    record: errorRatio(w),
    expr: RAW_WINDOWS.has(w) ? `${FAILED_5M}\n/\n${COUNTED_5M}` : `sum_over_time(${FAILED_5M}[${w}])\n/\nsum_over_time(${COUNTED_5M}[${w}])`,
  }));
}

function rateRules(): Rule[] {
  return [
    { record: FAILED_5M, expr: `sum by (${BY}) (${classed('rate(probe_check_runs_total{result="failed"}[5m])')})` },
    { record: COUNTED_5M, expr: `sum by (${BY}) (${classed('rate(probe_check_runs_total{result!="unproven"}[5m])')})` },
  ];
}

const FR_CLASS: Record<FlowClass, string> = { signalling: 'signalisation', media: 'chemin média', pki: 'PKI (certificats, OCSP)', web: 'web', site: 'poste (horloge, proxy)', browser: 'visio de test (navigateur)' };

function burnRateAlerts(): Rule[] {
  const out: Rule[] = [];
  for (const cls of CLASS_NAMES) {
    const budget = 1 - SLOS[cls];
    for (const severity of ['page', 'ticket'] as const) {
      const rows = BURN_RATES.filter((b) => b.severity === severity);
      const expr = rows
        .map((b) => `(${errorRatio(b.long)}{flow_class="${cls}"} > ${+(b.factor * budget).toFixed(6)} and ${errorRatio(b.short)}{flow_class="${cls}"} > ${+(b.factor * budget).toFixed(6)})`)
        .join('\nor\n');
      out.push({
        alert: `VigieErrorBudgetBurn${severity === 'page' ? 'Fast' : 'Slow'}`,
        expr,
        for: severity === 'page' ? '2m' : '15m',
        labels: { severity, audience: 'regional-operators', flow_class: cls },
        annotations: {
          summary: `Budget d'erreur ${FR_CLASS[cls]} de {{ $labels.platform }} consommé trop vite à {{ $labels.establishment }}`,
          description: `Les contrôles ${FR_CLASS[cls]} de la plateforme {{ $labels.platform }} échouent à {{ $labels.establishment }} (${severity === 'page' ? 'consommation rapide' : 'consommation lente'} du budget d'erreur, objectif ${(SLOS[cls] * 100).toFixed(1)} %). Vérifier les flux de cette classe sur la page d'état de la sonde.`,
        },
      });
    }
  }
  return out;
}

/**
 * A result its probe still renews: ended within twice its schedule's longest gap plus 2 minutes
 * (one skipped run, its timeout and the scrape). A probe that answers scrapes with a hung
 * scheduler exports its last results for ever; no alert may read them.
 */
export const FRESH = '(time() - probe_last_run_timestamp_seconds < 2 * probe_check_interval_seconds + 120)';

/**
 * The fresh failing results and, per endpoint, how many establishments fail it and how many observe
 * it, recorded once per cycle at the head of the group that reads them (a group evaluates its rules
 * in order, each seeing the ones before at the same instant). Inlined, the freshness join over every
 * result of the fleet ran nine times per cycle; recording every fresh result instead of the failing
 * ones would add a series per check of the fleet.
 */
const FAILING_FRESH = 'vigie:probe_failing:fresh';
const FAILING = 'vigie:endpoint_establishments_failing:count';
const OBSERVING = 'vigie:endpoint_establishments_observing:count';

/**
 * The sessions a failing flow endangers, each with its start in French local time (the probe
 * exports the start and Europe/Paris's offset at that instant; Prometheus's toTime is UTC). %q
 * quotes names such as « RCP d'oncologie » for PromQL.
 */
const sessionsOf =
  `{{ range printf "rcp_session_dependency_in_window{establishment=%q,platform=%q} == 1" $labels.establishment $labels.platform | query }}` +
  `« {{ .Labels.session }} » ({{ .Labels.session_platform }}` +
  `{{ with printf "rcp_session_next_start_timestamp_seconds{establishment=%q,platform=%q,session=%q} + rcp_session_next_start_utc_offset_seconds" $labels.establishment .Labels.session_platform .Labels.session | query }}` +
  `, {{ (. | first | value | toTime).Format "02/01 à 15h04" }}{{ end }}) {{ end }}`;

/**
 * Who is broken: one establishment's flow, a platform endpoint for everyone, an RCP session about
 * to start. A platform incident needs two establishments failing and at least half of those that
 * observe the endpoint (probes down or stale do not count); any other failing flow is the
 * establishment's, whatever the number of observers (one, two, three, many): no blind spot.
 */
function flowAlerts(): Rule[] {
  const platformWide = `((${FAILING} / ${OBSERVING}) >= 0.5 and ${FAILING} >= 2)`;
  return [
    { record: FAILING_FRESH, expr: `probe_success == 0 and ${FRESH}` },
    // Establishments, not series: two scenarios on one page, or two probes of one hospital, are one observer.
    { record: FAILING, expr: `count by (${ENDPOINT}) (group by (${ENDPOINT}, establishment) (${FAILING_FRESH}))` },
    { record: OBSERVING, expr: `count by (${ENDPOINT}) (group by (${ENDPOINT}, establishment) (probe_success and ${FRESH}))` },
    {
      alert: 'RcpSessionAtRisk',
      expr: `${FAILING_FRESH}\nand on (establishment, region, platform) (max by (establishment, region, platform) (rcp_session_dependency_in_window) == 1)`,
      for: '0m',
      // A flow that fails every other run inside the window is one incident, not one per failure.
      keep_firing_for: '5m',
      labels: { severity: 'page', audience: 'oncall' },
      annotations: {
        summary: 'RCP en danger à {{ $labels.establishment }} : {{ $labels.kind }} vers {{ $labels.host }}:{{ $labels.port }}/{{ $labels.transport }} en échec',
        description: `Séance(s) ${sessionsOf}: le flux {{ $labels.kind }} vers {{ $labels.host }}:{{ $labels.port }}/{{ $labels.transport }} ({{ $labels.platform }}), dont la séance dépend, échoue depuis la sonde de {{ $labels.establishment }}. Prévenir l'organisateur et le réseau de l'établissement maintenant.`,
      },
    },
    {
      alert: 'PlatformEndpointDown',
      expr: platformWide,
      for: '5m',
      labels: { severity: 'page', audience: 'regional-operators' },
      annotations: {
        summary: 'Incident plateforme {{ $labels.platform }} : {{ $labels.host }}:{{ $labels.port }}/{{ $labels.transport }} ({{ $labels.kind }}) en échec depuis {{ $value | humanizePercentage }} des établissements',
        description: "Le même point d'accès échoue depuis au moins deux établissements et la moitié de ceux qui l'observent : incident côté plateforme, pas un problème réseau local. Ouvrir un incident auprès de l'opérateur de la plateforme.",
      },
    },
    {
      alert: 'EstablishmentFlowBlocked',
      expr: `${FAILING_FRESH}\nunless on (${ENDPOINT}) ${platformWide}`,
      for: '10m',
      labels: { severity: 'ticket', audience: 'establishment-it' },
      annotations: {
        summary: 'Flux bloqué à {{ $labels.establishment }} : {{ $labels.kind }} vers {{ $labels.host }}:{{ $labels.port }}/{{ $labels.transport }}',
        description: "Ce flux échoue depuis {{ $labels.establishment }} sans que la plateforme soit en panne pour les autres établissements qui l'observent (s'il y en a) : demander à l'équipe réseau de l'établissement de l'ouvrir (voir la page d'état de la sonde pour la règle exacte).",
      },
    },
  ];
}

/** The fleet's establishments, as long as they were seen once: a probe whose agent or uplink falls silent leaves no `up` at all. */
function inventoryRules(): Rule[] {
  return [
    {
      record: 'vigie:establishment:known',
      expr: 'group by (establishment, region) (up{job="vigie"})\nor\ngroup by (establishment, region) (last_over_time(vigie:establishment:known[10m]))',
    },
  ];
}

/** The probe itself: unreachable, silent, or answering without running its checks. */
function probeAlerts(): Rule[] {
  return [
    {
      alert: 'ProbeDown',
      expr: 'up{job="vigie"} == 0',
      for: '5m',
      labels: { severity: 'ticket', audience: 'establishment-it' },
      annotations: { summary: 'Sonde Vigie injoignable à {{ $labels.establishment }}', description: "Prometheus (agent) de l'établissement ne peut plus lire la sonde : conteneur arrêté ou bloqué." },
    },
    {
      alert: 'ProbeSilent',
      expr: 'vigie:establishment:known unless on (establishment, region) up{job="vigie"}',
      for: '5m',
      labels: { severity: 'ticket', audience: 'establishment-it' },
      annotations: {
        summary: "Plus aucune donnée de l'établissement {{ $labels.establishment }}",
        description: "Ni la sonde ni l'agent Prometheus de l'établissement n'envoient plus rien (agent arrêté, lien ou proxy vers la région coupé). Pour retirer un établissement de la flotte, supprimer la série vigie:establishment:known correspondante.",
      },
    },
    {
      // Not even the most frequent check has run for two of its intervals: nothing runs any more.
      alert: 'ProbeStale',
      expr: `time() - max by (establishment, region) (probe_last_run_timestamp_seconds) > 2 * min by (establishment, region) (probe_check_interval_seconds) + 120`,
      for: '0m',
      labels: { severity: 'ticket', audience: 'establishment-it' },
      annotations: {
        summary: "La sonde de {{ $labels.establishment }} n'exécute plus ses contrôles",
        description: "Aucun contrôle n'a tourné depuis deux de ses intervalles plus 2 minutes alors que la sonde répond : ordonnanceur bloqué. Ses alertes de flux se taisent (données périmées). Redémarrer la sonde et joindre ses journaux.",
      },
    },
  ];
}

/** Certificates and their revocation status. */
function pkiAlerts(): Rule[] {
  return [
    {
      alert: 'TlsCertificateExpiringSoon',
      expr: '(probe_tls_cert_expiry_timestamp_seconds - time()) < 21 * 86400 and (probe_tls_cert_expiry_timestamp_seconds - time()) >= 7 * 86400',
      for: '1h',
      labels: { severity: 'ticket', audience: 'regional-operators' },
      annotations: { summary: 'Certificat de {{ $labels.host }} ({{ $labels.platform }}) expirant dans moins de 21 jours', description: "Le certificat expire dans {{ $value | humanizeDuration }} ; prévenir l'opérateur de la plateforme." },
    },
    {
      alert: 'TlsCertificateExpiryImminent',
      expr: '(probe_tls_cert_expiry_timestamp_seconds - time()) < 7 * 86400',
      for: '10m',
      labels: { severity: 'page', audience: 'regional-operators' },
      annotations: { summary: 'Certificat de {{ $labels.host }} ({{ $labels.platform }}) expirant dans moins de 7 jours', description: "Expiration imminente : les postes refuseront la connexion. Renouvellement urgent côté plateforme." },
    },
    {
      alert: 'OcspRevoked',
      expr: 'probe_ocsp_status_info{status="revoked"} == 1',
      for: '0m',
      labels: { severity: 'page', audience: 'regional-operators' },
      annotations: { summary: 'Certificat de {{ $labels.host }} ({{ $labels.platform }}) révoqué', description: "L'autorité de certification déclare ce certificat révoqué : les clients stricts refusent la connexion." },
    },
    {
      alert: 'OcspUnreachable',
      expr: 'increase(probe_check_runs_total{kind="ocsp",reason="ocsp_unreachable"}[15m]) > 0 and on (establishment, region, platform, host, port, transport, kind) probe_success{kind="ocsp"} == 0',
      for: '15m',
      labels: { severity: 'ticket', audience: 'establishment-it' },
      annotations: {
        summary: 'Répondeur OCSP injoignable depuis {{ $labels.establishment }} ({{ $labels.platform }})',
        description: "Le poste ne peut pas vérifier le certificat de {{ $labels.host }} : ouvrir les flux 80/443 vers le répondeur OCSP de l'autorité (ocsp.sectigo.com pour Covotem), y compris sur le proxy.",
      },
    },
  ];
}

/** What the establishment's network does to the flows: DNS drift, clock, media quality. */
function networkAlerts(): Rule[] {
  return [
    {
      alert: 'DnsIpDrift',
      expr: 'probe_dns_ip_drift == 1',
      for: '1h',
      labels: { severity: 'ticket', audience: 'establishment-it' },
      annotations: { summary: "{{ $labels.host }} ne résout plus vers l'adresse documentée ({{ $labels.platform }})", description: 'Les règles pare-feu par adresse IP de {{ $labels.establishment }} doivent être mises à jour (voir la page d’état pour la nouvelle adresse).' },
    },
    {
      alert: 'ClockSkew',
      expr: 'abs(probe_clock_offset_seconds) > 2',
      for: '15m',
      labels: { severity: 'ticket', audience: 'establishment-it' },
      annotations: { summary: "Horloge décalée de {{ $value | humanize }} s à {{ $labels.establishment }}", description: "Synchroniser les serveurs et postes sur une source NTP : les codes OTP et les certificats en dépendent (Covotem, Therap-e)." },
    },
    {
      // probe_webrtc_frame_height comes from the browser scenarios (scenarios/lib/webrtc-metrics.ts).
      alert: 'MediaNot720p',
      expr: 'max by (establishment, region, platform, scenario) (probe_webrtc_frame_height{direction="outbound"}) < 720',
      for: '30m',
      labels: { severity: 'ticket', audience: 'establishment-it' },
      annotations: { summary: "La visio de test n'atteint pas 720p à {{ $labels.establishment }} ({{ $labels.platform }}, {{ $value }} lignes)", description: "Le scénario navigateur publie en 1280×720 mais la résolution envoyée reste inférieure : débit montant insuffisant ou limité. Vérifier le débit (1 à 2 Mb/s par visio) et la QoS." },
    },
    {
      alert: 'MediaPathDegraded',
      expr: 'probe_relay_packet_loss_ratio > 0.01',
      for: '30m',
      labels: { severity: 'ticket', audience: 'establishment-it' },
      annotations: { summary: 'Pertes sur le chemin média vers {{ $labels.host }} à {{ $labels.establishment }} ({{ $value | humanizePercentage }})', description: 'Le test de relais mesure des pertes au-delà de 1 % : saturation du lien ou absence de QoS sur les flux média (UDP).' },
    },
  ];
}

function causeAlerts(): Rule[] {
  return [...flowAlerts(), ...probeAlerts(), ...pkiAlerts(), ...networkAlerts()];
}

/**
 * Where establishment and region exist only as external labels (a Prometheus of the establishment
 * evaluating the rules itself), $labels lacks them: the texts fall back to $externalLabels.
 */
const withExternal = (text: string) => text.replace(/\{\{ \$labels\.(establishment|region) \}\}/g, '{{ or $labels.$1 $externalLabels.$1 }}');

/**
 * Adds the runbook link of each alert in one place. The base is the central Prometheus's
 * `runbook_base_url` external label, set at deployment; else the one given when generating.
 */
function withRunbooks(rules: Rule[]): Rule[] {
  return rules.map((r) =>
    r.alert
      ? {
          ...r,
          annotations: {
            ...Object.fromEntries(Object.entries(r.annotations ?? {}).map(([k, v]) => [k, withExternal(v)])),
            runbook_url: `{{ or $externalLabels.runbook_base_url "${RUNBOOK_BASE_URL}" }}${r.alert}.md`,
          },
        }
      : r,
  );
}

export function ruleGroups(): { groups: { name: string; interval?: string; rules: Rule[] }[] } {
  return {
    groups: [
      { name: 'vigie-slo-recording', interval: '30s', rules: [...rateRules(), ...recordingRules(WINDOWS.filter((w) => !SLOW_WINDOWS.has(w)))] },
      { name: 'vigie-slo-recording-long', interval: '2m', rules: recordingRules(WINDOWS.filter((w) => SLOW_WINDOWS.has(w))) },
      { name: 'vigie-inventory', interval: '1m', rules: inventoryRules() },
      { name: 'vigie-slo-burn-rate', rules: withRunbooks(burnRateAlerts()) },
      { name: 'vigie-causes', interval: '15s', rules: withRunbooks(causeAlerts()) },
    ],
  };
}

export function alertNames(): string[] {
  return [...new Set(ruleGroups().groups.flatMap((g) => g.rules.map((r) => r.alert).filter((a): a is string => !!a)))];
}

export function renderRules(): string {
  return `# Generated by deploy/prometheus/rules.ts (npm run rules); do not edit by hand.\n${stringify(ruleGroups(), { lineWidth: 0 })}`;
}
