import {
  Dashboard,
  DashboardCursorSync,
  GridPos,
  Panel,
  RowPanel,
  VariableModel,
  VariableRefresh,
  VariableSort,
  defaultDashboard,
} from '@grafana/schema';
import type { Dashboard as DashGenDashboard } from 'grafana-dash-gen';
import { INFLUX_DATASOURCE } from './datasource';
import { MODERN, ModernPanel } from './panels';

/** Grafana's grid: 24 columns; a unit of height is 30 px plus an 8 px gap. */
export const GRID_COLUMNS = 24;
const GRID_CELL_PX = 30 + 8;
/** grafana-dash-gen lays panels out in rows of 12 spans */
const SPANS = 12;

export interface DashboardMeta {
  /** stable across regenerations: links and bookmarks use it */
  readonly uid: string;
  readonly description: string;
  readonly refresh: string;
  readonly from: string;
}

type DashGenState = ReturnType<DashGenDashboard['generate']>;
type DashGenRow = NonNullable<DashGenState['rows']>[number];
type DashGenPanel = DashGenRow['panels'][number];

/**
 * grafana-dash-gen writes the pre-5.0 model (schemaVersion 6: `rows` of panels sized in 12ths,
 * Graphite targets). Grafana's own migration of that model (DashboardMigrator, upgradeToGridLayout)
 * turns each row into a `row` panel and each panel into a grid position: width = span × 2 of 24
 * columns, height = the row's pixels / 38, panels flowing left to right and wrapping. This does the
 * same once, at generation, and replaces each legacy panel with its ModernPanel, so the committed
 * JSON is today's model (@grafana/schema's Dashboard) with nothing left for Grafana to migrate.
 */
export function toSchemaDashboard(source: DashGenDashboard, meta: DashboardMeta): Dashboard {
  const legacy = source.generate();
  const panels: (Panel | RowPanel)[] = [];
  let id = 0;
  let y = 0;
  for (const row of legacy.rows ?? []) {
    if (row.showTitle) {
      panels.push({ type: 'row', id: ++id, title: row.title ?? '', collapsed: false, panels: [], gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 } });
      y += 1;
    }
    const h = gridHeight(row.height);
    let x = 0;
    for (const panel of row.panels) {
      const w = gridWidth(panel);
      if (x + w > GRID_COLUMNS) {
        x = 0;
        y += h;
      }
      panels.push(toSchemaPanel(panel, ++id, { x, y, w, h }));
      x += w;
    }
    if (row.panels.length > 0) y += h;
  }
  return {
    uid: meta.uid,
    title: legacy.title,
    description: meta.description,
    tags: [...legacy.tags],
    timezone: legacy.timezone,
    editable: legacy.editable,
    graphTooltip: DashboardCursorSync.Crosshair,
    refresh: meta.refresh,
    time: { from: meta.from, to: 'now' },
    schemaVersion: defaultDashboard.schemaVersion,
    fiscalYearStartMonth: 0,
    links: [],
    annotations: { list: [] },
    templating: { list: legacy.templating.list.map(toVariable) },
    panels,
  };
}

function gridWidth(panel: DashGenPanel): number {
  const span = Number(panel.span ?? SPANS);
  if (!Number.isInteger(span) || span < 1 || span > SPANS) throw new Error(`panel "${panel.title}": span ${panel.span} is not a whole number from 1 to ${SPANS}`);
  return span * (GRID_COLUMNS / SPANS);
}

function gridHeight(height: string | undefined): number {
  const px = Number.parseInt(height ?? '250px', 10);
  if (!Number.isFinite(px) || px <= 0) throw new Error(`row height "${height}" is not a number of pixels, e.g. "300px"`);
  return Math.ceil(px / GRID_CELL_PX);
}

function toSchemaPanel(panel: DashGenPanel, id: number, gridPos: GridPos): Panel {
  const spec = (panel as Record<string, unknown>)[MODERN] as ModernPanel | undefined;
  if (spec === undefined) throw new Error(`panel "${panel.title}" was not built by packages/grafana/src/panels.ts (it has no InfluxQL targets)`);
  return {
    id,
    type: spec.type,
    title: String(panel.title),
    ...(spec.description !== undefined && { description: spec.description }),
    gridPos,
    ...(spec.type !== 'text' && { datasource: INFLUX_DATASOURCE }),
    targets: spec.targets.map((t) => ({ ...t })),
    fieldConfig: spec.fieldConfig,
    options: { ...spec.options },
    ...(spec.transformations !== undefined && { transformations: [...spec.transformations] }),
    ...(spec.timeFrom !== undefined && { timeFrom: spec.timeFrom }),
  };
}

/** grafana-dash-gen's query variable (Graphite-era fields) as today's VariableModel */
function toVariable(template: DashGenState['templating']['list'][number]): VariableModel {
  if (template.type !== 'query') throw new Error(`template variable "${template.name}": only query variables are generated`);
  return {
    type: 'query',
    name: template.name,
    label: template.label ?? template.name,
    query: template.query ?? '',
    datasource: INFLUX_DATASOURCE,
    refresh: VariableRefresh.onTimeRangeChanged,
    sort: VariableSort.alphabeticalAsc,
    includeAll: template.includeAll ?? false,
    multi: template.multi ?? false,
    options: [],
  };
}
