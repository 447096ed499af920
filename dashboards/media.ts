// Media quality (the scenarios' WebRTC statistics and the relay test): resolution reached, fps,
// bitrate, loss, jitter, RTT, candidate types, relay protocol.
import { newDashboard, siteVariables, statPanel, tablePanel, timeseriesPanel } from './panels.ts';
import { Q } from './queries.ts';

export function mediaDashboard() {
  const d = newDashboard('vigie-media', 'Vigie — Qualité média', 'Ce que mesurent les visios de test (navigateur, caméra 720p simulée) et le test de relais TURN.');
  for (const v of siteVariables()) d.withVariable(v);
  const ts = (title: string, description: string, expr: string, unit: string, legend = '{{establishment}} {{scenario}} {{direction}}') => d.withPanel(timeseriesPanel({ title, description, queries: [{ expr, legend }], unit }));
  ts('Résolution (hauteur en lignes)', 'Hauteur de la vidéo envoyée (outbound) et reçue (inbound). Les documents demandent 1280×720 : sous 720, le débit ou la QoS limitent la visio.', Q.media.frameHeight, 'none');
  ts('Images par seconde', 'Cadence de la vidéo envoyée et reçue sur la fin de la fenêtre de mesure.', Q.media.fps, 'none');
  ts('Débit vidéo', 'Débit de la vidéo (bits par seconde) : 1 à 2 Mb/s pour une visio 720p.', Q.media.bitrate, 'bps');
  ts('Pertes de paquets', "Part des paquets vidéo perdus : au-delà de 5 %, l'image se dégrade.", Q.media.loss, 'percentunit');
  ts('Gigue', 'Gigue de la vidéo (variation du délai d’arrivée).', Q.media.jitter, 's');
  ts('RTT du chemin média', 'Temps aller-retour du chemin média (RTCP).', Q.media.rtt, 's', '{{establishment}} {{scenario}}');
  ts('Connexion ICE', "Temps entre la création de la connexion et l'établissement ICE.", Q.media.ice, 's', '{{establishment}} {{scenario}}');
  ts('720p atteint en', 'Temps entre la connexion ICE et la première image 1280×720 envoyée.', Q.media.to720p, 's', '{{establishment}} {{scenario}}');
  d.withPanel(tablePanel({ title: 'Chemin réellement utilisé', description: "Type de candidat local et distant (host, srflx, relay), protocole et protocole du relais : dit quel flux du catalogue la visio a vraiment emprunté (UDP direct, relais TURN UDP, TCP ou TLS).", queries: [{ expr: Q.media.candidates }] }));
  d.withPanel(statPanel({ title: 'MOS audio estimé', description: 'Note de qualité audio estimée (1 à 4,5) à partir du RTT, de la gigue et des pertes (modèle E simplifié).', queries: [{ expr: Q.media.mos, legend: '{{establishment}} {{scenario}}' }], width: 6 }));
  ts('Test de relais : pertes', 'Pertes du flux de test (débit d’une visio 720p) envoyé entre deux allocations sur le serveur TURN de la plateforme.', Q.media.relayLoss, 'percentunit', '{{establishment}} {{host}}:{{port}}/{{transport}}');
  ts('Test de relais : gigue', 'Gigue RFC 3550 du flux de test à travers le relais.', Q.media.relayJitter, 's', '{{establishment}} {{host}}:{{port}}/{{transport}}');
  ts('Test de relais : débit reçu', 'Débit reçu à travers le relais.', Q.media.relayThroughput, 'bps', '{{establishment}} {{host}}:{{port}}/{{transport}}');
  return d.build();
}
