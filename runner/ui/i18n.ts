// Every user-facing word (CLI tables, status page, report): French by default, English available.
// Reason texts live with the reasons (runner/core/reasons.ts) and are read through reasonText().
import type { CheckStatus } from '../core/contract.ts';
import { REASONS, type Reason } from '../core/reasons.ts';

export type Lang = 'fr' | 'en';

const STATUS: Record<CheckStatus, Record<Lang, string>> = {
  ok: { fr: 'OK', en: 'OK' },
  degraded: { fr: 'DÉGRADÉ', en: 'DEGRADED' },
  failed: { fr: 'ÉCHEC', en: 'FAILED' },
  unproven: { fr: 'NON PROUVÉ', en: 'UNPROVEN' },
};

const WORDS = {
  platform: { fr: 'Plateforme', en: 'Platform' },
  flow: { fr: 'Flux', en: 'Flow' },
  check: { fr: 'Contrôle', en: 'Check' },
  status: { fr: 'État', en: 'Status' },
  reason: { fr: 'Cause', en: 'Reason' },
  fix: { fr: 'À demander', en: 'What to ask for' },
  summary: { fr: 'contrôles : {ok} OK, {degraded} dégradés, {failed} en échec, {unproven} non prouvés', en: 'checks: {ok} OK, {degraded} degraded, {failed} failed, {unproven} unproven' },
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
  pendingCount: { fr: 'En attente', en: 'Pending' },
  dnsFlow: { fr: 'Résolution DNS de {host}', en: 'DNS resolution of {host}' },
  flow_proven: { fr: 'PROUVÉ', en: 'PROVEN' },
  flow_failed: { fr: 'ÉCHEC', en: 'FAILED' },
  flow_unproven: { fr: 'NON PROUVÉ', en: 'UNPROVEN' },
  flowsTitle: { fr: 'Flux documentés', en: 'Documented flows' },
  flowVerdict: { fr: 'Verdict', en: 'Verdict' },
  flowBy: { fr: 'Preuve', en: 'Evidence' },
  checksTitle: { fr: 'Contrôles', en: 'Checks' },
  flowUnprovenFix: {
    fr: "Rien ne l'a encore prouvé : un appel réel (scénario navigateur vers la plateforme) ou un contrôle qui obtient une réponse le prouvera",
    en: 'Nothing has proven it yet: a real call (a browser scenario towards the platform) or a check that gets an answer will',
  },
  flowUnprovenPage: {
    fr: "Non prouvé : configurer le scénario page-flow « {flow} » (la page de test publique de la plateforme) pour le prouver par un appel réel",
    en: 'Unproven: configure the page-flow scenario "{flow}" (the platform\'s public test page) to prove it with a real call',
  },
  flowUnprovenDcc: {
    fr: "Non prouvé : le scénario « {flow} » le prouverait, avec un lien de salle de test et un organisateur qui accepte l'entrée",
    en: 'Unproven: the "{flow}" scenario would prove it, given a test room link and an organiser who lets the probe in',
  },
  flowUncheckable: { fr: "Non vérifiable par un contrôle de protocole : seul le média d'un appel réel le prouve", en: 'No protocol check can verify it: only a real call’s media proves it' },
  history24h: { fr: 'Dernières 24 h', en: 'Last 24 h' },
  historyLabel: { fr: '24 h : {runs} périodes de 5 min, {failed} en échec (dernier échec : {last})', en: '24 h: {runs} 5-minute periods, {failed} failed (last failure: {last})' },
  degradedCount: { fr: 'Dégradés', en: 'Degraded' },
  failedCount: { fr: 'En échec', en: 'Failed' },
  unprovenCount: { fr: 'Non prouvés', en: 'Unproven' },
  caption: { fr: '{title} : {ok} OK, {degraded} dégradés, {failed} en échec', en: '{title}: {ok} OK, {degraded} degraded, {failed} failed' },
  source: { fr: 'Source', en: 'Source' },
  measure: { fr: 'Mesure', en: 'Measure' },
  value: { fr: 'Valeur', en: 'Value' },
  outboundTo: { fr: 'sortant vers', en: 'outbound to' },
  inboundFrom: { fr: 'entrant depuis', en: 'inbound from' },
  // Evidence lines of a check (status page and report).
  evTimings: { fr: 'Durées', en: 'Timings' },
  evAddress: { fr: 'Adresse', en: 'Address' },
  evProxyPath: { fr: 'Par le proxy (non utilisé par l\'application)', en: 'Through the proxy (not used by the application)' },
  evDnsAddresses: { fr: 'Adresses DNS', en: 'DNS addresses' },
  evIssuer: { fr: 'Émetteur du certificat', en: 'Certificate issuer' },
  evExpires: { fr: 'Expire le', en: 'Expires' },
  evMapped: { fr: 'Adresse vue par le serveur', en: 'Address seen by the server' },
  evRelayed: { fr: 'Adresse relayée', en: 'Relayed address' },
  evRedirected: { fr: 'Redirigé (300) vers', en: 'Redirected (300) to' },
  evLoss: { fr: 'Pertes', en: 'Loss' },
  evOffset: { fr: 'Décalage', en: 'Offset' },
  evViaProxy: { fr: 'Via le proxy', en: 'Through the proxy' },
  // Media measurements of a browser scenario (status page, report, vigie scenario).
  mVideoSent: { fr: 'Vidéo envoyée', en: 'Video sent' },
  mFpsSent: { fr: 'Images/s envoyées', en: 'Frames/s sent' },
  mVideoReceived: { fr: 'Vidéo reçue', en: 'Video received' },
  mFpsReceived: { fr: 'Images/s reçues', en: 'Frames/s received' },
  mIce: { fr: 'Connexion ICE', en: 'ICE connected' },
  m720p: { fr: '720p atteint en', en: '720p reached in' },
  mPath: { fr: 'Chemin', en: 'Path' },
  mRemoteCandidate: { fr: 'Candidat distant', en: 'Remote candidate' },
  mProtocol: { fr: 'Protocole', en: 'Protocol' },
  mRelay: { fr: 'Relais', en: 'Relay' },
  mRemotePort: { fr: 'Port distant', en: 'Remote port' },
  mBitrateSent: { fr: 'Débit vidéo envoyé', en: 'Video bitrate sent' },
  mBitrateReceived: { fr: 'Débit vidéo reçu', en: 'Video bitrate received' },
  mLimitation: { fr: 'Limitation', en: 'Limited by' },
  mLossSent: { fr: 'Pertes (envoi)', en: 'Loss (sent)' },
  mLossReceived: { fr: 'Pertes (réception)', en: 'Loss (received)' },
  mJitter: { fr: 'Gigue', en: 'Jitter' },
  mRtt: { fr: 'RTT', en: 'RTT' },
  mFreezes: { fr: 'Gels image', en: 'Video freezes' },
  mMos: { fr: 'MOS audio estimé', en: 'Estimated audio MOS' },
  mBytesSent: { fr: 'Octets envoyés', en: 'Bytes sent' },
  mBytesReceived: { fr: 'Octets reçus', en: 'Bytes received' },
  mBrowserMemory: { fr: 'Mémoire navigateur (pic)', en: 'Browser memory (peak)' },
  mFailedStep: { fr: 'Étape en échec', en: 'Failed step' },
  mScreenshot: { fr: "Capture d'écran", en: 'Screenshot' },
  // The change to ask for (runner/ui/fix-text.ts).
  fixOpen: { fr: 'Ouvrir {flow}', en: 'Open {flow}' },
  fixMediaFlows: {
    fr: 'Ouvrir les flux média que le document de {platform} demande (UDP puis TCP vers ses serveurs média et TURN)',
    en: 'Open the media flows the {platform} document asks for (UDP, then TCP, to its media and TURN servers)',
  },
  fixOpenNtp: { fr: 'Ouvrir {port}/UDP sortant vers {host} (NTP)', en: 'Open outbound {port}/UDP to {host} (NTP)' },
  ntpFlow: { fr: '{port}/UDP sortant vers {host} (NTP)', en: '{port}/UDP outbound to {host} (NTP)' },
  ntpNoAnswer: { fr: "Le serveur NTP ne répond pas (l'heure vient de l'en-tête Date HTTPS)", en: 'The NTP server does not answer (the time comes from the HTTPS Date header)' },
  fixDrift: {
    fr: 'Mettre à jour les règles pare-feu par IP pour {host} : adresse actuelle {seen} (document : {documented})',
    en: 'Update IP-based firewall rules for {host}: current address {seen} (document: {documented})',
  },
  causeDns: {
    fr: "Rétablir le résolveur DNS de l'établissement (serveurs DNS du poste, redirecteurs) : {n} contrôles sur {hosts} noms échouent pour cette seule cause",
    en: "Repair the establishment's DNS resolver (the host's DNS servers, forwarders): {n} checks on {hosts} names fail for this one cause",
  },
  causeProxy: {
    fr: "Rétablir l'accès au proxy de l'établissement (adresse, port, filtrage) : {n} contrôles sur {hosts} hôtes échouent pour cette seule cause",
    en: "Restore access to the establishment's proxy (address, port, filtering): {n} checks on {hosts} hosts fail for this one cause",
  },
  causeRoute: {
    fr: "Rétablir la route sortante de l'établissement (passerelle, routage) : {n} contrôles sur {hosts} hôtes échouent pour cette seule cause",
    en: "Restore the establishment's outbound route (gateway, routing): {n} checks on {hosts} hosts fail for this one cause",
  },
  seeCause: { fr: 'Voir la cause commune en tête de page', en: 'See the shared cause at the top' },
  causesTitle: { fr: 'Cause commune', en: 'Shared cause' },
  fixDns: { fr: "Vérifier que le DNS de l'établissement résout {host}", en: "Check that the establishment's DNS resolves {host}" },
  fixTls: {
    fr: "Exclure {host}:{port} de l'inspection TLS (DPI/proxy) et vérifier la chaîne de certificats",
    en: 'Exempt {host}:{port} from TLS inspection (DPI/proxy) and check the certificate chain',
  },
  fixInspection: {
    fr: "Exclure {port}/{transport} vers {host} de l'inspection protocolaire (DPI, pare-feu applicatif) ; si rien ne l'inspecte, signaler la réponse invalide à l'opérateur de la plateforme",
    en: 'Exempt {port}/{transport} to {host} from protocol inspection (DPI, application firewall); if nothing inspects it, report the invalid answer to the platform operator',
  },
  fixInspectionOnly: {
    fr: "Exclure {port}/{transport} vers {host} du contrôle protocolaire (DPI, pare-feu de nouvelle génération) : ce flux n'est pas du HTTPS, comme le document le précise",
    en: 'Exempt {port}/{transport} to {host} from protocol inspection (DPI, next-generation firewall): this flow is not HTTPS, as the document says',
  },
  fixNetworkPath: {
    fr: "Vérifier le chemin réseau vers {host}:{port} : MTU des liens et des tunnels, ICMP « fragmentation nécessaire » non filtré (découverte du MTU) ; si le chemin est sain, signaler à l'opérateur de la plateforme",
    en: 'Check the network path to {host}:{port}: MTU of links and tunnels, ICMP "fragmentation needed" not filtered (path MTU discovery); if the path is sound, report to the platform operator',
  },
  fixSniFiltered: {
    fr: "Autoriser le nom {host} dans le filtrage par nom (SNI, catégories d'URL) du pare-feu sur {port}/TCP",
    en: "Allow the name {host} in the firewall's filtering by name (SNI, URL categories) on {port}/TCP",
  },
  fixHelloRejected: {
    fr: "Mettre à jour ou corriger le pare-feu qui inspecte le TLS vers {host}:{port} : il coupe les négociations des navigateurs actuels (clé post-quantique, message d'ouverture en deux paquets), ou l'exclure de l'inspection",
    en: "Update or fix the firewall that inspects TLS to {host}:{port}: it breaks current browsers' handshakes (post-quantum key share, a hello in two packets), or exempt the flow from inspection",
  },
  fixPlatform: { fr: "Signaler à l'opérateur de la plateforme {platform} ({host})", en: 'Report to the {platform} platform operator ({host})' },
  fixNtlm: {
    fr: "Exempter ces flux de l'authentification NTLM du proxy (exception pour {host}) ou proposer l'authentification Basic",
    en: 'Exempt these flows from NTLM proxy authentication (exception for {host}) or offer Basic authentication',
  },
  fixProxy: { fr: 'Autoriser {host} sur le proxy (ports 80 et 443)', en: 'Allow {host} on the proxy (ports 80 and 443)' },
  fixBandwidth: {
    fr: "Vérifier le débit montant de l'établissement (1 à 2 Mb/s par visio) et la QoS des flux média vers {host}",
    en: "Check the establishment's uplink bandwidth (1 to 2 Mb/s per call) and the QoS of media flows to {host}",
  },
  fixUnproven: {
    fr: "Rien à demander d'après ce contrôle : ce port média ne répond qu'aux appels en cours ; un scénario navigateur vers la plateforme le prouve",
    en: 'Nothing to ask from this check: this media port answers only calls under way; a browser scenario towards the platform proves it',
  },
  fixUnprovenClosed: {
    fr: "Rien à demander d'après ce contrôle seul ; si l'application échoue sur ce flux, exclure {port}/{transport} vers {host} du contrôle protocolaire (DPI, pare-feu de nouvelle génération)",
    en: 'Nothing to ask from this check alone; if the application fails on this flow, exempt {port}/{transport} to {host} from protocol inspection (DPI, next-generation firewall)',
  },
  fixNtlmUnverified: {
    fr: "Rien à demander pour la plateforme ; pour que la sonde vérifie {host}, lui ouvrir le proxy en Basic ou l'exempter d'authentification",
    en: 'Nothing to ask for the platform; for the probe to verify {host}, let it through the proxy with Basic or without authentication',
  },
  bundleRefused: {
    fr: "Catalogue régional refusé (signature invalide) : la sonde garde le dernier catalogue valide. Prévenir l'équipe régionale.",
    en: 'Regional catalog refused (invalid signature): the probe keeps the last good catalog. Tell the regional team.',
  },
  andMore: { fr: '… et {n} de plus', en: '… and {n} more' },
  destinationsRefused: {
    fr: 'Destinations du catalogue régional refusées par la configuration de l’établissement ({n}) : non contrôlées',
    en: "Regional catalog destinations refused by the establishment's settings ({n}): not checked",
  },
  bundleUnavailable: {
    fr: 'Catalogue régional non mis à jour : la sonde garde le dernier catalogue valide.',
    en: 'Regional catalog not updated: the probe keeps the last good catalog.',
  },
  fixSandbox: {
    fr: "Lancer la sonde sous un utilisateur non root (uid 1000 dans l'image) et autoriser les espaces de noms utilisateur au conteneur (profil seccomp deploy/seccomp/chromium.json, voir docs/deployment.md)",
    en: 'Run the probe as a non-root user (uid 1000 in the image) and allow the container user namespaces (seccomp profile deploy/seccomp/chromium.json, see docs/deployment.md)',
  },
  fixProbe: { fr: 'Vérifier la sonde (journal, mémoire, navigateur Chromium)', en: 'Check the probe (log, memory, Chromium browser)' },
  fixClock: { fr: "Synchroniser l'horloge du serveur de la sonde avec un serveur de temps (NTP)", en: "Synchronise the probe host's clock with a time server (NTP)" },
} as const;

export type Word = keyof typeof WORDS;

export function t(word: Word, lang: Lang, vars: Record<string, string | number> = {}): string {
  return WORDS[word][lang].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** "label : value" in French typography, "label: value" in English. */
export function labelled(label: string, value: string | number, lang: Lang): string {
  return `${label}${lang === 'fr' ? ' : ' : ': '}${value}`;
}

export function statusText(s: CheckStatus, lang: Lang): string {
  return STATUS[s][lang];
}

export function reasonText(r: Reason, lang: Lang): string {
  return REASONS[r][lang];
}

/** The locale dates and numbers are written in. */
export function locale(lang: Lang): string {
  return lang === 'fr' ? 'fr-FR' : 'en-GB';
}

export function otherLang(lang: Lang): Lang {
  return lang === 'fr' ? 'en' : 'fr';
}

/** `?lang=` of a request, else the configured language. */
export function langOf(asked: string | null | undefined, fallback: Lang): Lang {
  return asked === 'en' || asked === 'fr' ? asked : fallback;
}

