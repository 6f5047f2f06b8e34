import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  DataTransformerConfig,
  FieldConfigSource,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  PercentChangeColorMode,
  SortOrder,
  TableCellHeight,
  TooltipDisplayMode,
  VizOrientation,
} from '@grafana/schema';
import type { Options as StatOptions } from '@grafana/schema/dist/types/raw/composable/stat/panelcfg/x/types.gen';
import type { Options as TableOptions } from '@grafana/schema/dist/types/raw/composable/table/panelcfg/x/types.gen';
import type { Options as TextOptions } from '@grafana/schema/dist/types/raw/composable/text/panelcfg/x/types.gen';
import type { Options as TimeSeriesOptions } from '@grafana/schema/dist/types/raw/composable/timeseries/panelcfg/x/types.gen';
import { Panels } from 'grafana-dash-gen';
import { INFLUX_DATASOURCE } from './datasource';

type Graph = InstanceType<typeof Panels.Graph>;
type SingleStat = InstanceType<typeof Panels.SingleStat>;
type Table = InstanceType<typeof Panels.Table>;
type Text = InstanceType<typeof Panels.Text>;
export type DashGenPanel = Graph | SingleStat | Table | Text;

/** One InfluxQL query of a panel, as Grafana's InfluxDB datasource stores a raw (hand-written) query. */
export interface InfluxTarget {
  readonly refId: string;
  readonly datasource: typeof INFLUX_DATASOURCE;
  readonly query: string;
  readonly rawQuery: true;
  /** `table` keeps GROUP BY tags as columns (one row per patient); `time_series` one series per tag value */
  readonly resultFormat: 'time_series' | 'table';
  /** series name; `$tag_<key>` is replaced by the GROUP BY tag's value */
  readonly alias?: string;
}

export function influx(refId: string, query: string, options: { format?: InfluxTarget['resultFormat']; alias?: string } = {}): InfluxTarget {
  return {
    refId,
    datasource: INFLUX_DATASOURCE,
    query,
    rawQuery: true,
    resultFormat: options.format ?? 'time_series',
    // Without an alias InfluxDB series are named `readings.<column>`; `$col` keeps the column's AS name.
    ...(options.format !== 'table' && { alias: options.alias ?? '$col' }),
  };
}

/** What PulseProof adds to a grafana-dash-gen panel: the parts of today's panel model it lacks. */
export interface ModernPanel {
  readonly type: 'timeseries' | 'stat' | 'table' | 'text';
  readonly description?: string;
  readonly targets: readonly InfluxTarget[];
  readonly fieldConfig: FieldConfigSource;
  readonly options: StatOptions | TimeSeriesOptions | TableOptions | TextOptions;
  readonly transformations?: readonly DataTransformerConfig[];
  /** a relative range that replaces the dashboard's for this panel, e.g. `5m` */
  readonly timeFrom?: string;
}

/** the key under which a grafana-dash-gen panel's state carries its ModernPanel */
export const MODERN = 'pulseproof';

interface Common {
  readonly title: string;
  /** width in grafana-dash-gen's 12-column spans */
  readonly span: number;
  readonly description?: string;
  readonly targets: readonly InfluxTarget[];
  readonly fieldConfig?: FieldConfigSource;
  readonly transformations?: readonly DataTransformerConfig[];
  readonly timeFrom?: string;
}

function modern(type: ModernPanel['type'], spec: Common, options: ModernPanel['options']): ModernPanel {
  return {
    type,
    targets: spec.targets,
    fieldConfig: spec.fieldConfig ?? { defaults: {}, overrides: [] },
    options,
    ...(spec.description !== undefined && { description: spec.description }),
    ...(spec.transformations !== undefined && { transformations: spec.transformations }),
    ...(spec.timeFrom !== undefined && { timeFrom: spec.timeFrom }),
  };
}

/** A time series chart (grafana-dash-gen's Graph, drawn by today's `timeseries` panel). */
export function timeSeries(spec: Common & { legendCalcs?: string[] }): Graph {
  const options: TimeSeriesOptions = {
    legend: { showLegend: true, displayMode: LegendDisplayMode.Table, placement: 'bottom', calcs: spec.legendCalcs ?? ['min', 'mean', 'max', 'lastNotNull'] },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.None },
  };
  return new Panels.Graph({ title: spec.title, span: spec.span, [MODERN]: modern('timeseries', spec, options) });
}

/** One big number, reduced from the query's series (grafana-dash-gen's SingleStat, today's `stat`). */
export function stat(spec: Common & { calc?: 'lastNotNull' | 'sum' | 'max'; sparkline?: boolean }): SingleStat {
  const options: StatOptions = {
    reduceOptions: { calcs: [spec.calc ?? 'lastNotNull'], values: false, fields: '' },
    orientation: VizOrientation.Auto,
    colorMode: BigValueColorMode.Background,
    graphMode: spec.sparkline ? BigValueGraphMode.Area : BigValueGraphMode.None,
    justifyMode: BigValueJustifyMode.Auto,
    textMode: BigValueTextMode.Auto,
    percentChangeColorMode: PercentChangeColorMode.Standard,
    showPercentChange: false,
    wideLayout: true,
  };
  return new Panels.SingleStat({ title: spec.title, span: spec.span, [MODERN]: modern('stat', spec, options) });
}

export function table(spec: Common & { sortBy?: { displayName: string; desc?: boolean } }): Table {
  const options: TableOptions = {
    showHeader: true,
    frameIndex: 0,
    cellHeight: TableCellHeight.Sm,
    ...(spec.sortBy && { sortBy: [spec.sortBy] }),
  };
  return new Panels.Table({ title: spec.title, span: spec.span, [MODERN]: modern('table', spec, options) });
}

/** Markdown, e.g. to say where the data a panel cannot show lives. */
export function text(title: string, span: number, markdown: string): Text {
  const options: TextOptions = { mode: 'markdown' as TextOptions['mode'], content: markdown };
  return new Panels.Text({ title, span, [MODERN]: modern('text', { title, span, targets: [] }, options) });
}

/** draw a time series' thresholds as coloured background bands (NEWS2 zones) */
export const THRESHOLD_AREAS = { thresholdsStyle: { mode: GraphThresholdsStyleMode.Area } } as const;
