import type { Dashboard, Panel, RowPanel } from '@grafana/schema';

/** the panels of a dashboard that are not rows (rows are expanded: their panels sit at the top level) */
/** Test helpers for the dashboards specs (not part of the generator). */
export function contentPanels(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).filter((p): p is Panel => p.type !== 'row');
}

export function allPanels(dashboard: Dashboard): (Panel | RowPanel)[] {
  return dashboard.panels ?? [];
}

/** the InfluxQL text of every target of a panel */
export function queriesOf(panel: Panel): string[] {
  return (panel.targets ?? []).map((t) => String(t['query']));
}

/**
 * The identifiers an InfluxQL statement reads: the measurements after FROM, and every other double-
 * quoted identifier except the names given with AS (column aliases, which are outputs).
 */
export function identifiersOf(query: string): { measurements: string[]; names: string[] } {
  const measurements = [...query.matchAll(/FROM\s+"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
  const names = [...query.matchAll(/(AS\s+)?(FROM\s+)?"((?:[^"\\]|\\.)*)"/g)].filter((m) => m[1] === undefined && m[2] === undefined).map((m) => m[3]!);
  return { measurements, names };
}
