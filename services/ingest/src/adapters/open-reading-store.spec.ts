import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxReadingStore } from './influx/influx-reading-store';
import { openReadingStore } from './open-reading-store';
import { SqliteReadingStore } from './sqlite-reading-store';

describe('openReadingStore: the adapter IngestModule provides as ReadingStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pp-open-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens DATA_DIR/readings.sqlite by default', async () => {
    const store = openReadingStore(dir);
    expect(store).toBeInstanceOf(SqliteReadingStore);
    expect(existsSync(join(dir, 'readings.sqlite'))).toBe(true);
    expect(store.stats().backend).toBe('sqlite');
    await store.close();
  });

  it('opens InfluxDB when chosen, without touching DATA_DIR', async () => {
    const store = openReadingStore(dir, { kind: 'influxdb', influx: { url: 'http://127.0.0.1:1', api: 'v1', database: 'pp' } });
    expect(store).toBeInstanceOf(InfluxReadingStore);
    expect(existsSync(join(dir, 'readings.sqlite'))).toBe(false);
    await store.close();
  });
});
