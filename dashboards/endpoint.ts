// One host of a platform across all establishments (platform operators): phase latencies, STUN
// RTT, TURN allocate time, TLS expiry, OCSP status, DNS answers.
import { newDashboard, siteVariables, statPanel, tablePanel, timeseriesPanel } from './panels.ts';
import { Q } from './queries.ts';

export function endpointDashboard() {
  const d = newDashboard('vigie-endpoint', 'Vigie — Point d’accès', "Un hôte d'une plateforme vu depuis tous les établissements.");
  for (const v of siteVariables({ host: true })) d.withVariable(v);
  d.withPanel(timeseriesPanel({ title: 'Latence par phase', description: 'Durée de chaque phase (résolution DNS, connexion TCP, TLS, premier octet, transfert) des contrôles TCP, TLS et HTTP, moyenne par établissement.', queries: [{ expr: Q.endpoint.phases, legend: '{{establishment}} {{kind}} {{phase}}' }], unit: 's' }));
  d.withPanel(timeseriesPanel({ title: 'RTT STUN', description: 'Temps aller-retour de la requête STUN Binding qui a obtenu réponse (retransmissions exclues).', queries: [{ expr: Q.endpoint.stunRtt, legend: '{{establishment}} {{port}}/{{transport}}' }], unit: 's' }));
  d.withPanel(timeseriesPanel({ title: 'Allocation TURN', description: "Durée de l'échange Allocate (défi 401 puis requête authentifiée).", queries: [{ expr: Q.endpoint.turnAllocate, legend: '{{establishment}} {{port}}/{{transport}} {{kind}}' }], unit: 's' }));
  d.withPanel(statPanel({ title: 'Expiration du certificat TLS (jours)', description: "Jours restants avant l'expiration du certificat présenté ; la sonde passe en dégradé 21 jours avant.", queries: [{ expr: Q.endpoint.tlsExpiryDays, legend: '{{host}}:{{port}}' }], unit: 'd', width: 6 }));
  d.withPanel(tablePanel({ title: 'Statut OCSP', description: "Statut de révocation du certificat selon le répondeur OCSP de l'autorité (good, revoked, unknown, error).", queries: [{ expr: Q.endpoint.ocspStatus }], width: 18 }));
  d.withPanel(timeseriesPanel({ title: 'Réponses DNS', description: "Nombre d'adresses renvoyées par le DNS de chaque établissement pour cet hôte.", queries: [{ expr: Q.endpoint.dnsAddresses, legend: '{{establishment}}' }] }));
  d.withPanel(statPanel({ title: 'Dérive d’adresse IP', description: "1 quand le DNS renvoie une adresse absente du document de prérequis : les règles de pare-feu par IP sont à revoir.", queries: [{ expr: Q.endpoint.dnsDrift, legend: '{{establishment}}' }], width: 6 }));
  d.withPanel(tablePanel({ title: 'Réussite des contrôles', description: 'Dernier résultat de chaque contrôle de cet hôte dans chaque établissement (1 fonctionne, 0 en échec).', queries: [{ expr: Q.endpoint.success }], width: 18 }));
  return d.build();
}
