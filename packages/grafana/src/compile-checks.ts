/**
 * Compile-time checks, run by `tsc -b` (npm run build): each `@ts-expect-error` line must be an
 * error, so if @grafana/schema's types or ours stopped rejecting these shapes the build would fail.
 * Nothing here runs.
 */
import type { Dashboard, Panel } from '@grafana/schema';
import type { Options as StatOptions } from '@grafana/schema/dist/types/raw/composable/stat/panelcfg/x/types.gen';
import type { Selection } from './influxql';

// @ts-expect-error a dashboard without its schema version
export const dashboardWithoutVersion: Dashboard = { title: 'x' };

// @ts-expect-error a panel without a type
export const panelWithoutType: Panel = { id: 1, title: 'x' };

// @ts-expect-error a grid position without a height
export const gridWithoutHeight: Panel = { id: 1, type: 'stat', gridPos: { x: 0, y: 0, w: 6 } };

// @ts-expect-error stat options without reduceOptions and the display modes
export const statWithoutReduce: StatOptions = { orientation: 'auto' };

// @ts-expect-error a query selecting a field ingest never writes
export const unknownField: Selection = { fn: 'last', field: 'news2', as: 'NEWS2' };
