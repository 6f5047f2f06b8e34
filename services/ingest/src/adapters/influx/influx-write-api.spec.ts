import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { reading } from '../../testing/reading-store.contract';
import { InfluxReadingStore } from './influx-reading-store';
import { InfluxReadingStoreOptions } from './influx-options';

/**
 * The write requests the InfluxDB store sends, checked against a loopback HTTP server. The v2
 * write API (/api/v2/write, InfluxDB 1.8+, 2.x, 3.x) cannot run against Debian's InfluxDB 1.6, so
 * this is the only test of its request shape; the v1 path also runs end to end in
 * influx-reading-store.infra-spec.ts.
 */
interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

class FakeInflux {
  readonly writes: Seen[] = [];
  readonly queries: Seen[] = [];
  /** status codes for the next write requests; 204 once exhausted */
  writeStatuses: number[] = [];
  /** when set, write responses wait for it */
  hold: Promise<void> | undefined;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    const seen = { method: req.method!, path: req.url!, headers: req.headers, body };
    if (req.url!.startsWith('/query')) {
      this.queries.push(seen);
      const statements = new URLSearchParams(body).get('q')!.split(';\n');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: statements.map((_, i) => ({ statement_id: i })) }));
      return;
    }
    this.writes.push(seen);
    if (this.hold) await this.hold;
    const status = this.writeStatuses.shift() ?? 204;
    if (status === 204) {
      res.writeHead(204).end();
    } else {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: status === 400 ? 'partial write: field type conflict' : 'overloaded' }));
    }
  }
}

describe('InfluxReadingStore write requests (loopback HTTP server)', () => {
  let influx: FakeInflux;
  let store: InfluxReadingStore;
  const v2: Omit<InfluxReadingStoreOptions, 'url'> = { api: 'v2', org: 'hospital', bucket: 'vitals', token: 'tok-123', minRetryDelayMs: 1, maxRetryDelayMs: 5 };

  beforeEach(async () => {
    influx = new FakeInflux();
    await influx.start();
  });
  afterEach(async () => {
    await store?.close();
    await influx.stop();
  });

  it('v2: posts line protocol to /api/v2/write with org, bucket, ns precision and the token', async () => {
    store = new InfluxReadingStore({ url: influx.url, ...v2 });
    const r = reading({ seq: 7, measurements: { heart_rate: 80, temperature: 37.5 } });
    await expect(store.insert(r)).resolves.toEqual({ kind: 'inserted', reading: r });
    expect(influx.writes).toHaveLength(1);
    const [write] = influx.writes;
    expect(write).toMatchObject({ method: 'POST', path: '/api/v2/write?org=hospital&bucket=vitals&precision=ns' });
    expect(write!.headers['authorization']).toBe('Token tok-123');
    const [series, fields, time] = write!.body.split(' ');
    expect(series).toBe('readings,device_id=bed-1,patient_id=patient-1');
    expect(fields!.split(',').sort()).toEqual(
      ['heart_rate=80', 'late=F', `received_at=${r.receivedAt}i`, `salt="${r.salt}"`, 'seq=7i', 'temperature=37.5'].sort(),
    );
    expect(time).toBe(`${r.deviceTime}000007`);
    // the key was looked up first, with InfluxQL over /query on the bucket's database
    expect(influx.queries).toHaveLength(1);
    expect(influx.queries[0]!.headers['authorization']).toBe('Token tok-123');
    const params = new URLSearchParams(influx.queries[0]!.body);
    expect(params.get('db')).toBe('vitals');
    expect(params.get('q')).toMatch(/^SELECT \* FROM "readings" WHERE "device_id" = 'bed-1' AND "seq" >= 7 AND "seq" <= 7 AND time >= \d+ AND time <= \d+$/);
  });

  it('v1: posts to /write with db, rp and HTTP Basic credentials', async () => {
    store = new InfluxReadingStore({ url: influx.url, api: 'v1', database: 'pulseproof', retentionPolicy: 'one_year', username: 'ingest', password: 'pw' });
    await store.insert(reading());
    expect(influx.writes[0]!.path).toBe('/write?db=pulseproof&precision=ns&rp=one_year');
    expect(influx.writes[0]!.headers['authorization']).toBe(`Basic ${Buffer.from('ingest:pw').toString('base64')}`);
    expect(new URLSearchParams(influx.queries[0]!.body).get('rp')).toBe('one_year');
  });

  it('batches concurrent inserts into one gzipped write', async () => {
    store = new InfluxReadingStore({ url: influx.url, ...v2, gzipThreshold: 1_000 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.insert(reading({ deviceId: `bed-${i % 5}`, seq: i }))));
    expect(influx.writes).toHaveLength(1);
    expect(influx.writes[0]!.headers['content-encoding']).toBe('gzip');
    expect(influx.writes[0]!.body.split('\n')).toHaveLength(50);
    expect(influx.queries).toHaveLength(1); // one statement per device, one request
    expect(new URLSearchParams(influx.queries[0]!.body).get('q')!.split(';\n')).toHaveLength(5);
  });

  it('settles an insert only once InfluxDB acknowledged its write', async () => {
    store = new InfluxReadingStore({ url: influx.url, ...v2 });
    let release!: () => void;
    influx.hold = new Promise((resolve) => (release = resolve));
    let settled = false;
    const insert = store.insert(reading()).finally(() => (settled = true));
    while (influx.writes.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    release();
    await expect(insert).resolves.toMatchObject({ kind: 'inserted' });
  });

  it('retries 503 with backoff and resolves after the write that succeeded', async () => {
    store = new InfluxReadingStore({ url: influx.url, ...v2 });
    influx.writeStatuses = [503, 503];
    await expect(store.insert(reading())).resolves.toMatchObject({ kind: 'inserted' });
    expect(influx.writes).toHaveLength(3);
    expect(new Set(influx.writes.map((w) => w.body)).size).toBe(1);
  });

  it('fails the batch without retrying what InfluxDB refused (400)', async () => {
    store = new InfluxReadingStore({ url: influx.url, ...v2 });
    influx.writeStatuses = [400];
    await expect(store.insert(reading())).rejects.toThrow(/field type conflict/);
    expect(influx.writes).toHaveLength(1);
    expect(store.stats().lastError).toMatch(/field type conflict/);
  });

  it('gives up after maxRetries and rejects', async () => {
    store = new InfluxReadingStore({ url: influx.url, ...v2, maxRetries: 2 });
    influx.writeStatuses = [503, 503, 503, 503];
    await expect(store.insert(reading())).rejects.toThrow();
    expect(influx.writes).toHaveLength(3);
  });
});
