import { READINGS, ReadingField, ReadingTag } from './datasource';

/**
 * InfluxQL for Grafana's InfluxDB datasource, built from parts so that a query can only name the
 * `readings` measurement and fields and tags ingest writes (datasource.ts). Grafana substitutes its
 * macros before the query reaches InfluxDB's /query: `$timeFilter` (the dashboard's time range as
 * `time >= … AND time <= …`), `$__interval` / `$__interval_ms` (the range divided by the panel's
 * width, so a month of 1 Hz readings is downsampled to a few hundred points per series) and
 * template variables such as `$patient`.
 */
export type Aggregator = 'last' | 'min' | 'mean' | 'max' | 'count';

export interface Selection {
  readonly fn: Aggregator;
  readonly field: ReadingField;
  /** column / series name shown in the panel */
  readonly as: string;
  /** divide the count per GROUP BY interval by the interval's seconds: a rate per second */
  readonly perSecond?: boolean;
}

export interface ReadingsQuery {
  readonly select: readonly Selection[];
  /** a patient id or a template variable reference such as `$patient` */
  readonly patient?: string;
  /** only readings ingest flagged as late (device time far behind arrival) */
  readonly lateOnly?: boolean;
  /** GROUP BY time(…): `$__interval` to follow the panel's resolution */
  readonly interval?: '$__interval';
  readonly groupBy?: readonly ReadingTag[];
  /** fill(…) of empty intervals; InfluxDB's default is null */
  readonly fill?: 'none' | 'null' | '0';
}

export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function selection(s: Selection): string {
  const call = `${s.fn}(${ident(s.field)})`;
  // Grafana's $__interval_ms is the GROUP BY interval in ms: count × 1000 / ms = per second.
  return `${s.perSecond ? `${call} * 1000 / $__interval_ms` : call} AS ${ident(s.as)}`;
}

/** `SELECT … FROM "readings" WHERE … AND $timeFilter [GROUP BY …] [fill(…)]` */
export function readingsQuery(query: ReadingsQuery): string {
  if (query.select.length === 0) throw new Error('a readings query selects at least one field');
  if (query.select.some((s) => s.perSecond) && query.interval === undefined) {
    throw new Error('a per-second rate needs GROUP BY time($__interval)');
  }
  const where = [
    ...(query.patient !== undefined ? [`${ident(READINGS.tags.patient)} = ${literal(query.patient)}`] : []),
    ...(query.lateOnly ? [`${ident('late')} = true`] : []),
    '$timeFilter',
  ];
  const groupBy = [...(query.interval ? [`time(${query.interval})`] : []), ...(query.groupBy ?? []).map(ident)];
  return [
    `SELECT ${query.select.map(selection).join(', ')}`,
    `FROM ${ident(READINGS.measurement)}`,
    `WHERE ${where.join(' AND ')}`,
    ...(groupBy.length > 0 ? [`GROUP BY ${groupBy.join(', ')}`] : []),
    ...(query.fill !== undefined ? [`fill(${query.fill})`] : []),
  ].join(' ');
}

/**
 * How many distinct tag values had a reading in the range: InfluxQL counts fields, not tags, so an
 * outer count over one `last` per tag value (a subquery, InfluxDB 1.2+ and 2.x InfluxQL).
 */
export function distinctTagCount(tag: ReadingTag, as: string): string {
  const inner = readingsQuery({ select: [{ fn: 'last', field: 'seq', as: 'seq' }], groupBy: [tag] });
  return `SELECT count(${ident('seq')}) AS ${ident(as)} FROM (${inner})`;
}

/** the values of a tag, for a template variable */
export function tagValues(tag: ReadingTag): string {
  return `SHOW TAG VALUES FROM ${ident(READINGS.measurement)} WITH KEY = ${ident(tag)}`;
}
