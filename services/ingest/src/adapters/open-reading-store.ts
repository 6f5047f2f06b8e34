import { join } from 'node:path';
import { InfluxReadingStoreOptions } from './influx/influx-options';
import { InfluxReadingStore } from './influx/influx-reading-store';
import { ReadingStore } from './reading-store';
import { SqliteReadingStore } from './sqlite-reading-store';

/** Which store keeps the readings: SQLite under dataDir (embedded default) or InfluxDB. */
export type ReadingStoreChoice =
  | { readonly kind: 'sqlite'; /** 0 keeps readings forever */ readonly retentionDays?: number }
  | { readonly kind: 'influxdb'; readonly influx: InfluxReadingStoreOptions };

export function openReadingStore(dataDir: string, choice: ReadingStoreChoice = { kind: 'sqlite' }): ReadingStore {
  if (choice.kind === 'influxdb') return new InfluxReadingStore(choice.influx);
  return new SqliteReadingStore(join(dataDir, 'readings.sqlite'), { retentionDays: choice.retentionDays ?? 0 });
}
