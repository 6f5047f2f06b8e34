import { Point } from '@influxdata/influxdb-client';
import { MeasurementCode, Measurements, Reading, isMeasurementCode } from '@pulseproof/contracts';

/**
 * How a reading is laid out in InfluxDB (docs/storage.md, "InfluxDB schema"):
 *
 *   readings,device_id=<id>,patient_id=<id> seq=<i>,received_at=<i>,salt="0x..",late=<bool>,<code>=<float>... <ns>
 *
 * A point is identified by measurement + tag set + timestamp, and a second write to the same point
 * overwrites its fields. The timestamp is the device time in ms with the seq folded into the
 * nanoseconds (`deviceTime * 1e6 + seq mod 1e6`), so:
 * - a redelivery (same device, seq and device time) lands on the same point, never a second one;
 * - two readings of one device in the same millisecond stay two points;
 * - every query reads device time back with `epoch=ms`, which drops the folded seq.
 * The store looks a key up before writing it, so the first salt is never overwritten.
 */
export const READINGS_MEASUREMENT = 'readings';

const NS_PER_MS = 1_000_000n;

/** the point's timestamp in ns, as line protocol text */
export function pointTime(deviceTime: number, seq: number): string {
  return (BigInt(Math.trunc(deviceTime)) * NS_PER_MS + BigInt(seq % 1_000_000)).toString();
}

/** the first ns of a device-time ms, for inclusive ms ranges */
export function nsFrom(ms: number): string {
  return (BigInt(Math.trunc(ms)) * NS_PER_MS).toString();
}

/** the last ns of a device-time ms */
export function nsTo(ms: number): string {
  return (BigInt(Math.trunc(ms)) * NS_PER_MS + NS_PER_MS - 1n).toString();
}

export function toPoint(reading: Reading, measurement = READINGS_MEASUREMENT): Point {
  const point = new Point(measurement)
    .tag('device_id', reading.deviceId)
    .tag('patient_id', reading.patientId)
    .intField('seq', reading.seq)
    .intField('received_at', reading.receivedAt)
    .stringField('salt', reading.salt)
    .booleanField('late', reading.late === true)
    .timestamp(pointTime(reading.deviceTime, reading.seq));
  // Always float: a field's type is fixed per shard, and an integer-looking value must not
  // become an `i` field that a later 37.5 would conflict with.
  for (const [code, value] of Object.entries(reading.measurements)) point.floatField(code, value);
  return point;
}

/** One series of an InfluxQL JSON response. */
export interface InfluxSeries {
  readonly name: string;
  readonly columns: readonly string[];
  readonly values: readonly (readonly unknown[])[];
  readonly tags?: Readonly<Record<string, string>>;
}

/** Rows of a series as objects keyed by column. */
export function rowsOf(series: readonly InfluxSeries[] | undefined): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const s of series ?? []) {
    for (const values of s.values) {
      const row: Record<string, unknown> = { ...s.tags };
      s.columns.forEach((column, i) => (row[column] = values[i]));
      rows.push(row);
    }
  }
  return rows;
}

/** A `SELECT *` row (queried with epoch=ms) back into the reading that was written. */
export function toReading(row: Record<string, unknown>): Reading {
  const measurements: Record<string, number> = {};
  for (const key of Object.keys(row).sort()) {
    const value = row[key];
    if (isMeasurementCode(key) && typeof value === 'number') measurements[key] = value;
  }
  return {
    deviceId: String(row['device_id']),
    seq: Number(row['seq']),
    patientId: String(row['patient_id']),
    deviceTime: Number(row['time']),
    receivedAt: Number(row['received_at']),
    measurements: measurements as Measurements,
    salt: String(row['salt']),
    ...(row['late'] === true && { late: true }),
  };
}

/** InfluxQL string literal. Ids are restricted to ID_PATTERN; escaping is the second line of defence. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** InfluxQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

