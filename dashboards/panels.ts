// Small panel factories over @grafana/grafana-foundation-sdk: one look per kind of panel, every
// panel with its French description, queries passed in (they live in queries.ts).
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';

export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: 'vigie-prometheus' };

export interface PanelSpec {
  title: string;
  /** French: the operators' and IT teams' language. */
  description: string;
  queries: { expr: string; legend?: string }[];
  unit?: string;
  width?: number;
  height?: number;
}

const target = (q: { expr: string; legend?: string }, i: number, instant: boolean) => {
  const b = new prometheus.DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i)).datasource(DATASOURCE);
  if (q.legend) b.legendFormat(q.legend);
  return instant ? b.instant().format(prometheus.PromQueryFormat.Table) : b.range();
};

/** Green / orange / red on the 0, 0.5, 1 score (failed, degraded, ok). */
const statusThresholds = () =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'red' },
    { value: 0.5, color: 'orange' },
    { value: 1, color: 'green' },
  ]);

const statusMappings: dashboard.ValueMapping[] = [
  { type: dashboard.MappingType.ValueToText, options: { '0': { text: 'Échec', color: 'red' }, '0.5': { text: 'Dégradé', color: 'orange' }, '1': { text: 'OK', color: 'green' } } },
];

function place<T extends { title(t: string): T; description(d: string): T; datasource(d: common.DataSourceRef): T; span(w: number): T; height(h: number): T }>(b: T, p: PanelSpec, w: number, h: number): T {
  return b.title(p.title).description(p.description).datasource(DATASOURCE).span(p.width ?? w).height(p.height ?? h);
}

export function timeseriesPanel(p: PanelSpec) {
  const b = place(new timeseries.PanelBuilder(), p, 12, 8);
  p.queries.forEach((q, i) => b.withTarget(target(q, i, false)));
  if (p.unit) b.unit(p.unit);
  return b;
}

export function statPanel(p: PanelSpec & { status?: boolean }) {
  const b = place(new stat.PanelBuilder(), p, 6, 5);
  p.queries.forEach((q, i) => b.withTarget(target(q, i, true)));
  if (p.unit) b.unit(p.unit);
  if (p.status) b.thresholds(statusThresholds()).mappings(statusMappings).colorMode(common.BigValueColorMode.Background);
  return b;
}

export function tablePanel(p: PanelSpec & { status?: boolean }) {
  const b = place(new table.PanelBuilder(), p, 24, 9);
  p.queries.forEach((q, i) => b.withTarget(target(q, i, true)));
  if (p.unit) b.unit(p.unit);
  if (p.status) b.thresholds(statusThresholds()).mappings(statusMappings).cellOptions({ type: common.TableCellDisplayMode.ColorBackground } as common.TableCellOptions);
  return b;
}

export function statusTimelinePanel(p: PanelSpec) {
  const b = place(new statetimeline.PanelBuilder(), p, 24, 10);
  p.queries.forEach((q, i) => b.withTarget(target(q, i, false)));
  return b.thresholds(statusThresholds()).mappings(statusMappings);
}

export function barGaugePanel(p: PanelSpec) {
  const b = place(new bargauge.PanelBuilder(), p, 12, 8);
  p.queries.forEach((q, i) => b.withTarget(target(q, i, true)));
  if (p.unit) b.unit(p.unit);
  return b.min(0).max(1).thresholds(
    new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
      { value: null, color: 'red' },
      { value: 0.5, color: 'orange' },
      { value: 0.95, color: 'green' },
    ]),
  );
}

/** The region → establishment → platform variables every fleet-level dashboard has. */
export function siteVariables(extra: { host?: boolean } = {}) {
  const v = (name: string, label: string, query: string, description: string) =>
    new dashboard.QueryVariableBuilder(name)
      .label(label)
      .description(description)
      .datasource(DATASOURCE)
      .query({ qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
      .definition(query)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.*');
  const vars = [
    v('region', 'Région', 'label_values(vigie_build_info, region)', 'Région (label externe ajouté par Prometheus).'),
    v('establishment', 'Établissement', 'label_values(vigie_build_info{region=~"$region"}, establishment)', 'Établissement où tourne la sonde.'),
    v('platform', 'Plateforme', 'label_values(probe_success{region=~"$region", establishment=~"$establishment"}, platform)', 'Plateforme régionale (catalogue).'),
  ];
  if (extra.host) vars.push(v('host', 'Hôte', 'label_values(probe_success{establishment=~"$establishment"}, host)', 'Hôte de la plateforme.'));
  return vars;
}

export function newDashboard(uid: string, title: string, description: string) {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['vigie'])
    .timezone('Europe/Paris')
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .editable();
}

export { dashboard };
