// Fleet overview (regional operators): establishments × platforms in green/orange/red, platform
// incidents versus local problems at a glance, error budget left per platform.
import { barGaugePanel, newDashboard, siteVariables, statPanel, tablePanel } from './panels.ts';
import { Q } from './queries.ts';

export function fleetDashboard() {
  const d = newDashboard('vigie-fleet', 'Vigie — Vue de la flotte', 'Tous les établissements et toutes les plateformes : ce qui fonctionne, ce qui est dégradé, ce qui est bloqué.');
  for (const v of siteVariables()) d.withVariable(v);
  d.withPanel(statPanel({ title: 'Sondes actives', description: 'Nombre de sondes qui remontent des mesures, par région.', queries: [{ expr: Q.fleet.probesUp, legend: '{{region}}' }], width: 6 }));
  d.withPanel(
    barGaugePanel({
      title: 'Part des établissements où la plateforme fonctionne',
      description: "Pour chaque plateforme, la part des établissements dont tous les contrôles passent. Une plateforme basse partout signale un incident de la plateforme ; un seul établissement en échec signale un problème local (pare-feu, proxy, DNS de l'établissement).",
      queries: [{ expr: Q.fleet.platformHealthyShare, legend: '{{platform}}' }],
      unit: 'percentunit',
      width: 10,
    }),
  );
  d.withPanel(
    statPanel({
      title: "Établissements en échec, par plateforme",
      description: "Nombre d'établissements où au moins un contrôle de la plateforme échoue. Beaucoup d'établissements à la fois : incident plateforme ; un ou deux : problème local.",
      queries: [{ expr: Q.fleet.failingEstablishments, legend: '{{platform}}' }],
      width: 8,
    }),
  );
  d.withPanel(
    tablePanel({
      title: 'État par établissement et plateforme',
      description: 'Le pire état des contrôles de chaque plateforme dans chaque établissement : vert tout fonctionne, orange dégradé (certificat proche de l’expiration, dérive d’IP, 720p non atteint), rouge au moins un flux bloqué.',
      queries: [{ expr: Q.fleet.matrix }],
      status: true,
    }),
  );
  d.withPanel(
    barGaugePanel({
      title: "Budget d'erreur restant par plateforme (SLO 99 %)",
      description: "Part du budget d'erreur restant sur la période affichée pour un objectif de 99 % de contrôles réussis. Sous zéro, l'objectif n'est pas tenu.",
      queries: [{ expr: Q.fleet.errorBudgetLeft, legend: '{{platform}}' }],
      unit: 'percentunit',
      width: 12,
    }),
  );
  d.withPanel(
    tablePanel({
      title: 'Contrôles en échec sur la période',
      description: "Chaque contrôle qui a échoué au moins une fois sur la période, avec sa cause (voir docs/failure-reasons.md) : c'est la liste de travail du support régional.",
      queries: [{ expr: Q.fleet.failing }],
      width: 12,
    }),
  );
  return d.build();
}
