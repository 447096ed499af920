// The documented list of result reasons (docs/failure-reasons.md is generated from this table).
// Adding a reason here is the only way a probe can return it: the Reason type is derived from the keys.

/** Who has to act when a check reports this reason; drives the "what to ask" text. */
export type Remedy =
  | 'none'
  | 'open_flow' // hospital firewall: open the documented flow
  | 'dns' // hospital DNS or the platform's DNS records
  | 'platform' // the platform operator's side
  | 'tls_inspection' // hospital middlebox: exempt the flow from inspection
  | 'protocol_inspection' // hospital firewall inspecting the application protocol of a non-TLS flow
  | 'proxy' // hospital proxy configuration
  | 'clock' // time synchronisation of the probe's host
  | 'bandwidth' // the establishment's uplink or its QoS
  | 'network_path' // the network path itself (MTU, ICMP filtering), else the server
  | 'probe'; // the probe itself (its browser, its host)

export interface ReasonInfo {
  fr: string;
  en: string;
  remedy: Remedy;
}

export const REASONS = {
  ok: { fr: 'Fonctionne', en: 'Works', remedy: 'none' },
  timeout: { fr: 'Aucune réponse dans le délai (flux probablement filtré)', en: 'No answer within the timeout (flow probably filtered)', remedy: 'open_flow' },
  refused: { fr: 'Connexion refusée', en: 'Connection refused', remedy: 'open_flow' },
  unreachable: { fr: 'Destination injoignable (pas de route)', en: 'Destination unreachable (no route)', remedy: 'open_flow' },
  non_tls_blocked: {
    fr: 'Flux non TLS coupé après ses premiers octets (inspection protocolaire, pare-feu de nouvelle génération)',
    en: 'Non-TLS flow reset after its first bytes (protocol inspection, next-generation firewall)',
    remedy: 'protocol_inspection',
  },
  nontls_unproven: {
    fr: 'Connexion fermée sans réponse après des octets non TLS : le serveur ou un équipement intermédiaire, impossible à dire',
    en: 'Connection closed without an answer after bytes that are not TLS: the server or a middlebox, no telling which',
    remedy: 'none',
  },
  connection_reset: { fr: 'Connexion coupée par le réseau', en: 'Connection reset by the network', remedy: 'open_flow' },
  dns_nxdomain: { fr: 'Nom inconnu du DNS', en: 'Name does not exist in DNS', remedy: 'dns' },
  dns_no_address: { fr: 'Le DNS ne donne aucune adresse pour ce nom', en: 'DNS returns no address for this name', remedy: 'dns' },
  dns_servfail: { fr: 'Le serveur DNS est en échec', en: 'The DNS server failed', remedy: 'dns' },
  dns_timeout: { fr: 'Le serveur DNS ne répond pas', en: 'The DNS server does not answer', remedy: 'dns' },
  destination_refused: {
    fr: "Destination refusée par la configuration de l'établissement : le nom du catalogue régional pointe vers une adresse interne",
    en: "Destination refused by the establishment's settings: the regional catalog's name resolves to an internal address",
    remedy: 'none',
  },
  dns_ip_drift: { fr: "L'adresse IP a changé par rapport au document (règles pare-feu par IP à revoir)", en: 'The IP address differs from the document (IP-based firewall rules need review)', remedy: 'dns' },
  http_status: { fr: 'Réponse HTTP inattendue', en: 'Unexpected HTTP status', remedy: 'platform' },
  http_error: { fr: 'Échange HTTP invalide', en: 'Invalid HTTP exchange', remedy: 'platform' },
  tls_handshake_failed: { fr: 'Négociation TLS impossible', en: 'TLS handshake failed', remedy: 'tls_inspection' },
  tls_untrusted: { fr: 'Certificat non reconnu (autorité non approuvée)', en: 'Certificate not trusted (unknown authority)', remedy: 'tls_inspection' },
  tls_expired: { fr: 'Certificat expiré', en: 'Certificate expired', remedy: 'platform' },
  tls_not_yet_valid: { fr: "Certificat pas encore valide (vérifier l'heure du poste)", en: 'Certificate not yet valid (check the clock)', remedy: 'clock' },
  tls_expiring_soon: { fr: 'Certificat proche de son expiration', en: 'Certificate expires soon', remedy: 'platform' },
  tls_hostname_mismatch: { fr: 'Certificat émis pour un autre nom', en: 'Certificate issued for another name', remedy: 'tls_inspection' },
  tls_intercepted: { fr: 'Connexion TLS interceptée (certificat ré-signé par un équipement intermédiaire)', en: 'TLS connection intercepted (certificate re-signed by a middlebox)', remedy: 'tls_inspection' },
  tls_intercepted_suspected: { fr: 'Interception TLS probable (autorité racine locale, non publique)', en: 'TLS interception suspected (local, non-public root)', remedy: 'tls_inspection' },
  tls_chain_malformed: {
    fr: 'Chaîne de certificats mal envoyée par le serveur (doublon, désordre ou certificat en trop)',
    en: 'Certificate chain sent badly by the server (duplicate, wrong order or extra certificate)',
    remedy: 'platform',
  },
  tls_version_too_old: { fr: 'Version TLS trop ancienne (TLS 1.2 minimum exigé)', en: 'TLS version too old (TLS 1.2 required)', remedy: 'platform' },
  tls_chain_incomplete: {
    fr: "Le serveur n'envoie pas le certificat intermédiaire de sa chaîne (les navigateurs le cherchent à l'URL de l'autorité, quand elle répond)",
    en: "The server does not send its chain's intermediate certificate (browsers fetch it from the authority's URL, when it answers)",
    remedy: 'platform',
  },
  tls_weak_signature: { fr: 'Certificat signé en SHA-1 ou MD5, refusé par les navigateurs', en: 'Certificate signed with SHA-1 or MD5, which browsers refuse', remedy: 'platform' },
  tls_weak_key: { fr: 'Clé du certificat trop courte pour les navigateurs (RSA de moins de 1024 bits)', en: 'Certificate key too short for browsers (RSA below 1024 bits)', remedy: 'platform' },
  tls_certificate_invalid: {
    fr: "Certificat impropre à un serveur web pour les navigateurs (usage de clé, usage étendu ou contraintes de noms de l'autorité)",
    en: "Certificate not valid for a web server in browsers (key usage, extended key usage or the authority's name constraints)",
    remedy: 'platform',
  },
  tls_revoked: { fr: 'Le serveur présente une réponse OCSP agrafée qui dit son certificat révoqué', en: 'The server staples an OCSP answer saying its certificate is revoked', remedy: 'platform' },
  tls_cipher_mismatch: {
    fr: "Aucune suite de chiffrement, aucun échange de clés ou aucune signature en commun avec les navigateurs actuels (DHE, 3DES, clé P-521…)",
    en: 'No cipher suite, key exchange or signature in common with current browsers (DHE, 3DES, a P-521 key…)',
    remedy: 'platform',
  },
  tls_server_name_unknown: {
    fr: "Le serveur ne sert pas ce nom d'hôte (alerte unrecognized_name) : hébergement ou DNS à revoir",
    en: 'The server does not serve this host name (unrecognized_name alert): hosting or DNS to review',
    remedy: 'platform',
  },
  tls_client_certificate_required: { fr: 'Le serveur exige un certificat client (carte CPS, certificat logiciel)', en: 'The server requires a client certificate (smart card, software certificate)', remedy: 'none' },
  tls_sni_filtered: {
    fr: "Un pare-feu coupe la connexion TLS quand elle nomme ce serveur (filtrage par nom, SNI) : catégorie ou liste d'exclusion à revoir",
    en: 'A firewall cuts the TLS connection when it names this server (filtering by name, SNI): category or allow list to review',
    remedy: 'tls_inspection',
  },
  tls_hello_rejected: {
    fr: "Un équipement réseau coupe la négociation TLS quand le message d'ouverture est aussi grand que celui des navigateurs actuels (clé post-quantique)",
    en: "A network device breaks the TLS handshake when the opening message is as large as current browsers' (post-quantum key share)",
    remedy: 'tls_inspection',
  },
  tls_handshake_timeout: {
    fr: "La connexion TCP s'établit mais la réponse TLS n'arrive jamais (serveur bloqué, ou gros paquets perdus en route : MTU, ICMP filtré)",
    en: 'TCP connects but the TLS answer never arrives (a hung server, or large packets lost on the way: MTU, ICMP filtered)',
    remedy: 'network_path',
  },
  clock_skew: { fr: "L'horloge du poste est décalée", en: 'The clock is off', remedy: 'clock' },
  clock_unreachable: { fr: "Aucune source d'heure joignable (NTP ni HTTP)", en: 'No time source reachable (neither NTP nor HTTP)', remedy: 'open_flow' },
  proxy_ntlm_only: { fr: "Le proxy n'accepte que NTLM/Negotiate, non supporté par la plateforme", en: 'The proxy only offers NTLM/Negotiate, which the platform does not support', remedy: 'proxy' },
  proxy_ntlm_unverified: {
    fr: "Proxy NTLM/Negotiate seulement : la sonde ne peut pas s'y authentifier, la plateforme l'accepte ; flux non vérifiable par ce proxy",
    en: 'NTLM/Negotiate-only proxy: the probe cannot authenticate, the platform accepts it; flow not verifiable through this proxy',
    remedy: 'none',
  },
  proxy_auth_required: { fr: 'Le proxy demande une authentification', en: 'The proxy requires authentication', remedy: 'proxy' },
  proxy_denied: { fr: 'Le proxy refuse ce flux', en: 'The proxy denies this flow', remedy: 'proxy' },
  proxy_unreachable: { fr: 'Proxy injoignable', en: 'Proxy unreachable', remedy: 'proxy' },
  stun_no_response: { fr: 'Aucune réponse STUN (flux UDP/TCP probablement filtré)', en: 'No STUN response (flow probably filtered)', remedy: 'open_flow' },
  stun_bad_response: { fr: 'Réponse STUN invalide (équipement intermédiaire ?)', en: 'Invalid STUN response (middlebox?)', remedy: 'tls_inspection' },
  ice_port_unproven: {
    fr: "Port média ICE : il ne répond qu'aux sessions en cours, seul le média d'un appel réel le prouve",
    en: 'ICE media port: it answers only live sessions; only a real call’s media proves it',
    remedy: 'none',
  },
  turn_auth_failed: { fr: 'Identifiants TURN refusés', en: 'TURN credentials rejected', remedy: 'platform' },
  turn_allocate_failed: { fr: "Le serveur TURN refuse l'allocation", en: 'The TURN server refused the allocation', remedy: 'platform' },
  turn_quota: { fr: "Quota d'allocations TURN atteint", en: 'TURN allocation quota reached', remedy: 'platform' },
  turn_redirect_refused: {
    fr: 'Le serveur TURN redirige (300 Try Alternate) vers une adresse que les navigateurs refusent de suivre (boucle locale, adresse déjà essayée, autre famille IP, port interdit)',
    en: 'The TURN server redirects (300 Try Alternate) to an address browsers refuse to follow (loopback, an address already tried, another IP family, a forbidden port)',
    remedy: 'platform',
  },
  relay_no_media: { fr: 'Aucun média ne passe par le relais TURN', en: 'No media gets through the TURN relay', remedy: 'open_flow' },
  relay_loss_high: { fr: 'Pertes de paquets trop élevées sur le chemin média (saturation, QoS)', en: 'Packet loss too high on the media path (saturation, QoS)', remedy: 'bandwidth' },
  relay_jitter_high: { fr: 'Gigue trop élevée sur le chemin média', en: 'Jitter too high on the media path', remedy: 'bandwidth' },
  relay_rtt_high: { fr: 'Latence trop élevée sur le chemin média', en: 'Latency too high on the media path', remedy: 'bandwidth' },
  ocsp_revoked: { fr: 'Certificat révoqué (OCSP)', en: 'Certificate revoked (OCSP)', remedy: 'platform' },
  ocsp_unknown: { fr: "Statut de révocation inconnu de l'autorité (OCSP)", en: 'Revocation status unknown to the authority (OCSP)', remedy: 'platform' },
  ocsp_stale: { fr: 'Réponse OCSP périmée ou pas encore valide', en: 'OCSP response stale or not yet valid', remedy: 'platform' },
  ocsp_bad_signature: { fr: 'Réponse OCSP mal signée (répondeur non autorisé ou interception)', en: 'OCSP response badly signed (unauthorised responder or interception)', remedy: 'tls_inspection' },
  ocsp_unreachable: { fr: "Répondeur OCSP de l'autorité injoignable (flux OCSP bloqué)", en: "The authority's OCSP responder is unreachable (OCSP flow blocked)", remedy: 'open_flow' },
  ocsp_bad_response: { fr: 'Réponse OCSP invalide', en: 'Invalid OCSP response', remedy: 'tls_inspection' },
  ca_issuers_unreachable: { fr: "Certificats de l'autorité injoignables (AIA)", en: "The authority's certificates are unreachable (AIA)", remedy: 'open_flow' },
  ice_failed: { fr: 'La connexion média (ICE) ne s’établit pas : flux UDP/TCP vers les serveurs média ou TURN bloqués', en: 'The media connection (ICE) does not establish: UDP/TCP flows to the media or TURN servers blocked', remedy: 'open_flow' },
  media_no_frames: { fr: 'Connexion établie mais aucune image ni aucun son ne passe', en: 'Connected, but no video or audio gets through', remedy: 'open_flow' },
  media_interrupted: {
    fr: "La visio s'est coupée après avoir fonctionné (serveur média arrêté ou flux coupé en cours d'appel)",
    en: 'The call stopped after media had flowed (media server gone, or the flow cut mid-call)',
    remedy: 'platform',
  },
  media_not_720p: { fr: "La vidéo n'atteint pas 1280×720 (débit montant insuffisant ou limité)", en: 'Video does not reach 1280×720 (uplink bandwidth too low or capped)', remedy: 'bandwidth' },
  media_loss_high: { fr: 'Pertes de paquets trop élevées sur la visio (saturation, QoS)', en: 'Packet loss too high in the video call (saturation, QoS)', remedy: 'bandwidth' },
  room_join_failed: { fr: 'Impossible de rejoindre la salle de test', en: 'Could not join the test room', remedy: 'platform' },
  page_flow_failed: { fr: "Une étape du parcours web n'a pas abouti", en: 'A step of the web flow did not succeed', remedy: 'platform' },
  browser_crashed: { fr: "Le navigateur de la sonde s'est arrêté ou ne répond plus", en: "The probe's browser crashed or hung", remedy: 'probe' },
  browser_launch_failed: { fr: 'Le navigateur de la sonde ne démarre pas', en: "The probe's browser does not start", remedy: 'probe' },
  browser_sandbox_unavailable: {
    fr: 'Mesures faites, mais le navigateur de la sonde a tourné sans son bac à sable (sonde lancée en root, ou profil seccomp du conteneur qui interdit les espaces de noms utilisateur)',
    en: "Measured, but the probe's browser ran without its sandbox (probe running as root, or a container seccomp profile that forbids user namespaces)",
    remedy: 'probe',
  },
  internal_error: { fr: 'Erreur interne de la sonde', en: 'Internal probe error', remedy: 'none' },
} as const satisfies Record<string, ReasonInfo>;

export type Reason = keyof typeof REASONS;

/**
 * `unproven`: the check ran, and what it saw proves the flow neither open nor closed (an ICE media
 * port that answers only the sessions it knows); no fix is asked for it.
 */
export type CheckStatus = 'ok' | 'degraded' | 'failed' | 'unproven';


export const REASON_NAMES = Object.keys(REASONS) as Reason[];

export function isReason(value: string): value is Reason {
  return Object.hasOwn(REASONS, value);
}
