import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MEASUREMENT_CODES } from '@pulseproof/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadingStore } from '../adapters/reading-store';
import { SqliteReadingStore } from '../adapters/sqlite-reading-store';
import { reading } from '../testing/reading-store.contract';
import { VitalsController } from '../vitals.controller';
import { MAX_HISTORY_BUCKETS } from './history-params';

const T0 = Date.parse('2026-11-22T10:00:00Z');

describe('GET /api/patients/:id/history and /latest (real SQLite store, real HTTP)', () => {
  let dir: string;
  let store: SqliteReadingStore;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-queries-'));
    store = new SqliteReadingStore(join(dir, 'readings.sqlite'));
    @Module({ controllers: [VitalsController], providers: [{ provide: ReadingStore, useValue: store }] })
    class QueriesTestModule {}
    app = await NestFactory.create(QueriesTestModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    await store.insert(reading({ seq: 1, deviceTime: T0, measurements: { heart_rate: 60, spo2: 96 } }));
    await store.insert(reading({ seq: 2, deviceTime: T0 + 30_000, measurements: { heart_rate: 80 }, late: true }));
    await store.insert(reading({ seq: 3, deviceTime: T0 + 90_000, measurements: { heart_rate: 100 } }));
  });

  afterAll(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function get(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, body: await response.json() };
  }

  it('downsamples a measurement per bucket with its unit', async () => {
    const from = new Date(T0).toISOString();
    const { status, body } = await get(`/api/patients/patient-1/history?measurement=heart_rate&from=${from}&to=${T0 + 120_000}&bucket=1m`);
    expect(status).toBe(200);
    expect(body).toEqual({
      patientId: 'patient-1',
      measurement: 'heart_rate',
      unit: '/min',
      from,
      to: new Date(T0 + 120_000).toISOString(),
      bucketMs: 60_000,
      buckets: [
        { start: from, min: 60, mean: 70, max: 80, count: 2 },
        { start: new Date(T0 + 60_000).toISOString(), min: 100, mean: 100, max: 100, count: 1 },
      ],
    });
  });

  it('picks a bucket when none is given', async () => {
    const { body } = await get(`/api/patients/patient-1/history?measurement=heart_rate&from=${T0}&to=${T0 + 3_600_000}`);
    expect(body.bucketMs).toBe(15_000);
  });

  it('names the valid measurements when the one asked for is unknown or missing', async () => {
    for (const query of ['measurement=pulse', '']) {
      const { status, body } = await get(`/api/patients/patient-1/history?${query}`);
      expect(status).toBe(400);
      expect(body.message).toContain(MEASUREMENT_CODES.join(', '));
    }
  });

  it('says the bucket limit when a request asks for too many buckets', async () => {
    const { status, body } = await get(`/api/patients/patient-1/history?measurement=spo2&from=0&to=${T0}&bucket=1h`);
    expect(status).toBe(400);
    expect(body.message).toMatch(new RegExp(`at most ${MAX_HISTORY_BUCKETS} per request; use a bucket of at least \\d+ ms`));
  });

  it('refuses a malformed bucket, time range or patient id with a message', async () => {
    const cases: [string, RegExp][] = [
      ['/api/patients/patient-1/history?measurement=spo2&bucket=10', /"bucket" must be "auto" or a duration of at least 1 s/],
      ['/api/patients/patient-1/history?measurement=spo2&bucket=fast', /"bucket"/],
      ['/api/patients/patient-1/history?measurement=spo2&from=yesterday', /"from" must be an ISO 8601 time/],
      [`/api/patients/patient-1/history?measurement=spo2&from=${T0}&to=${T0 - 1}`, /"from" must not be after "to"/],
      ['/api/patients/bad%20id/latest', /is not a valid id/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await get(path);
      expect({ path, status, message: body.message }).toEqual({ path, status: 400, message: expect.stringMatching(message) });
    }
  });

  it("gives each measurement's latest value with its unit, time and reading", async () => {
    const { status, body } = await get('/api/patients/patient-1/latest');
    expect(status).toBe(200);
    expect(body).toEqual({
      patientId: 'patient-1',
      values: {
        heart_rate: { value: 100, unit: '/min', time: new Date(T0 + 90_000).toISOString(), reading: 'bed-1:3' },
        spo2: { value: 96, unit: '%', time: new Date(T0).toISOString(), reading: 'bed-1:1' },
      },
    });
    await expect(get('/api/patients/nobody/latest')).resolves.toEqual({ status: 200, body: { patientId: 'nobody', values: {} } });
  });

  it('marks late readings in the vitals listing', async () => {
    const { body } = await get(`/api/patients/patient-1/vitals?from=${T0}&to=${T0 + 60_000}`);
    expect(body.readings.map((r: { seq: number; late?: boolean }) => [r.seq, r.late])).toEqual([[1, undefined], [2, true]]);
  });
});
