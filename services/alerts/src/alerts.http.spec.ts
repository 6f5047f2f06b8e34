import { DynamicModule, Global, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, SqliteBus } from '@pulseproof/bus';
import { busTopics } from '@pulseproof/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertsModule } from './alerts.module';
import { ManualClock } from './clock';
import { ALERTS_CONSUMER_GROUP } from './consumers/readings.consumer';
import { HIGH, T0, reading } from './testing/alerts-harness';

@Global()
@Module({})
class BusModule {
  static with(bus: Bus): DynamicModule {
    return { module: BusModule, providers: [{ provide: Bus, useValue: bus }], exports: [Bus] };
  }
}

/** Routing, status codes and messages of the controllers, over real HTTP. */
describe('alerts HTTP API', () => {
  let dir: string;
  let bus: SqliteBus;
  let app: INestApplication;
  let url: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-alerts-http-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite') });
    app = await NestFactory.create(
      { module: class HttpSpecRoot {}, imports: [BusModule.with(bus), AlertsModule.forRoot({ dataDir: dir, clock: new ManualClock(T0) })] },
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await bus.publish(busTopics.readings, 'p-1', reading('p-1', 'bed-1', 1, T0, HIGH));
    while (bus.lag(busTopics.readings, ALERTS_CONSUMER_GROUP) > 0) await new Promise((r) => setTimeout(r, 10));
  });
  afterAll(async () => {
    await app.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists, shows and acknowledges an alert', async () => {
    const list = await call('GET', '/api/alerts?state=active-unacknowledged');
    expect(list.status).toBe(200);
    const alertId = list.body.find((a: { type: string }) => a.type === 'news2').alertId;
    const shown = await call('GET', `/api/alerts/${encodeURIComponent(alertId)}`);
    expect(shown).toMatchObject({ status: 200, body: { alert: { alertId, status: 'active-unacknowledged' }, history: [{ change: 'raised' }] } });
    const acked = await call('POST', `/api/alerts/${encodeURIComponent(alertId)}/acknowledge`, { by: 'nurse-1' });
    expect(acked).toMatchObject({ status: 200, body: { alert: { status: 'active-acknowledged', acknowledgedBy: 'nurse-1', acknowledgedAt: T0 } } });
  });

  it('answers 400 and 404 with a code and a message', async () => {
    const alertId = (await call('GET', '/api/alerts')).body[0].alertId;
    expect(await call('POST', `/api/alerts/${encodeURIComponent(alertId)}/acknowledge`, {})).toMatchObject({
      status: 400,
      body: { code: 'ALERTS_E_ACKNOWLEDGE', message: expect.stringMatching(/^by must be/) },
    });
    expect(await call('GET', '/api/alerts/nope')).toMatchObject({ status: 404, body: { code: 'ALERTS_E_NOT_FOUND' } });
    expect(await call('POST', '/api/alerts/nope/acknowledge', { by: 'nurse-1' })).toMatchObject({ status: 404 });
    expect(await call('GET', '/api/alerts?state=open')).toMatchObject({ status: 400, body: { code: 'ALERTS_E_QUERY' } });
    expect(await call('GET', '/api/patients/nobody')).toMatchObject({ status: 404 });
  });

  it('takes observations and rules per patient', async () => {
    const observed = await call('POST', '/api/patients/p-1/observations', { consciousness: 'V', supplementalOxygen: false, observedBy: 'nurse-1', at: T0 + 1 });
    expect(observed).toMatchObject({ status: 201, body: { observation: { consciousness: 'V' }, news2: { total: 10, complete: true } } });
    expect(await call('POST', '/api/patients/p-1/observations', { consciousness: 'Z', observedBy: 'nurse-1' })).toMatchObject({
      status: 400,
      body: { code: 'ALERTS_E_OBSERVATION' },
    });
    expect(await call('GET', '/api/patients/p-1/observations')).toMatchObject({ status: 200, body: [{ observedBy: 'nurse-1' }] });
    expect(await call('GET', '/api/patients/p-1')).toMatchObject({ status: 200, body: { patientId: 'p-1', news2: { total: 10 } } });

    expect(await call('GET', '/api/patients/p-1/rules')).toMatchObject({ status: 200, body: { custom: false, rules: { thresholds: [{ id: 'spo2-low' }] } } });
    expect(await call('PUT', '/api/patients/p-1/rules', { by: 'dr-1', rules: { rates: [] } })).toMatchObject({ status: 200, body: { custom: true, rules: { rates: [] } } });
    expect(await call('PUT', '/api/patients/p-1/rules', { by: 'dr-1', rules: { thresholds: [{ id: 'x', code: 'spo2' }] } })).toMatchObject({
      status: 400,
      body: { code: 'ALERTS_E_RULES', message: 'thresholds[0] needs exactly one of below, above' },
    });
  });
});
