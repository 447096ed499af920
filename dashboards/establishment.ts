// One establishment (its IT team, regional support): the flow matrix as the seed documents lay it
// out, the history of each flow, the upcoming RCP sessions and their readiness.
import { newDashboard, siteVariables, statPanel, statusTimelinePanel, tablePanel, timeseriesPanel } from './panels.ts';
import { Q } from './queries.ts';

export function establishmentDashboard() {
  const d = newDashboard('vigie-establishment', 'Vigie — Établissement', "Les flux d'un établissement, tels que les documents de prérequis des plateformes les listent, et les prochaines RCP.");
  for (const v of siteVariables()) d.withVariable(v);
  d.withPanel(
    tablePanel({
      title: 'Matrice des flux',
      description: 'Chaque flux du catalogue (hôte, port, transport) et chaque contrôle qui le couvre : vert fonctionne, orange dégradé, rouge bloqué. Le détail et le correctif à demander sont sur la page d’état de la sonde.',
      queries: [{ expr: Q.establishment.matrix }],
      status: true,
      height: 12,
    }),
  );
  d.withPanel(statusTimelinePanel({ title: 'Historique de chaque flux', description: "L'état de chaque flux dans le temps : une bande rouge est une période où le flux était bloqué.", queries: [{ expr: Q.establishment.history, legend: '{{platform}} {{host}}:{{port}}/{{transport}}' }] }));
  d.withPanel(
    tablePanel({
      title: 'Prochaines séances RCP',
      description: "Début de la prochaine occurrence de chaque séance RCP configurée (calendrier hebdomadaire ou iCalendar). Avant chaque séance, la sonde revérifie les flux de la plateforme.",
      queries: [{ expr: Q.establishment.sessionsNext }],
      unit: 'dateTimeAsIso',
      width: 12,
    }),
  );
  d.withPanel(
    statPanel({
      title: 'Plateformes des séances : prêtes ?',
      description: "Pour chaque plateforme qui a une séance RCP à venir : vert si tous ses flux fonctionnent, rouge si au moins un est bloqué (la séance est à risque).",
      queries: [{ expr: Q.establishment.sessionReadiness, legend: '{{platform}}' }],
      status: true,
      width: 6,
    }),
  );
  d.withPanel(statPanel({ title: 'Fenêtre pré-séance en cours', description: 'À 1, la séance est dans sa fenêtre de vérifications renforcées (contrôles chaque minute).', queries: [{ expr: Q.establishment.sessionsInWindow, legend: '{{session}}' }], width: 6 }));
  d.withPanel(tablePanel({ title: 'Causes des échecs et dégradations', description: 'Nombre de contrôles en échec ou dégradés par cause sur la période.', queries: [{ expr: Q.establishment.reasons }], width: 12 }));
  d.withPanel(
    timeseriesPanel({
      title: 'Mémoire de la sonde',
      description: "Mémoire résidente du processus de la sonde (hors navigateur des scénarios) et tas JavaScript utilisé : une courbe qui monte sans redescendre sur des jours est une fuite à signaler (mesure de référence : bench/SOAK.md).",
      queries: [
        { expr: Q.establishment.probeMemory, legend: '{{establishment}} RSS' },
        { expr: Q.establishment.probeHeap, legend: '{{establishment}} tas JS' },
      ],
      unit: 'bytes',
    }),
  );
  d.withPanel(timeseriesPanel({ title: 'Descripteurs ouverts par la sonde', description: 'Fichiers et connexions que la sonde garde ouverts : stable d’un cycle à l’autre ; une hausse continue est une fuite.', queries: [{ expr: Q.establishment.probeFds, legend: '{{establishment}}' }] }));
  d.withPanel(timeseriesPanel({ title: "Décalage de l'horloge", description: "Écart entre l'horloge du serveur de la sonde et le serveur de temps : au-delà de 30 s, l'authentification par code à usage unique échoue.", queries: [{ expr: Q.establishment.clockOffset, legend: '{{establishment}}' }], unit: 's' }));
  return d.build();
}
