import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamicModule, Global, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AlertsModule, DispatchDetailView, DispatchService, DispatchView, UnitView } from '@pulseproof/alerts';
import { Bus, SqliteBus } from '@pulseproof/bus';
import { AlertEvent, Reading, busTopics, demoCity, mqttTopics, rankByEta } from '@pulseproof/contracts';
import { EmbeddedBroker, SqliteDeviceRegistry } from '@pulseproof/ingest';
import mqtt from 'mqtt';
import { AmbulanceFleet, planAmbulances, startAmbulances } from '@pulseproof/simulators';

/**
 * End to end through the alerts service: a patient marked at home over HTTP deteriorates (readings
 * on the bus), NEWS2 raises an alert, the dispatcher orders the unit with the least ETA over the
 * embedded broker, and a simulated ambulance (driving 200x faster than real time) acknowledges,
 * drives the route, reaches the patient and returns. Every part is real: aedes, SQLite, MQTT clients.
 */
@Global()
@Module({})
class TestBusModule {
  static with(bus: Bus): DynamicModule {
    return { module: TestBusModule, providers: [{ provide: Bus, useValue: bus }], exports: [Bus] };
  }
}

@Module({})
class TestRoot {}

jest.setTimeout(60_000);

describe('ambulance dispatch, end to end with simulated ambulances', () => {
  const city = demoCity();
  const patientId = 'pt-e2e-home';
  const home = city.junction(22, 9);
  let dir: string;
  let bus: SqliteBus;
  let broker: EmbeddedBroker;
  let app: INestApplication;
  let api: string;
  let fleet: AmbulanceFleet | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-dispatch-e2e-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 20 });
    broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const mqttUrl = `mqtt://127.0.0.1:${await broker.listen()}`;
    const root: DynamicModule = {
      module: TestRoot,
      imports: [TestBusModule.with(bus), AlertsModule.forRoot({ dataDir: dir, messaging: broker, dispatch: { ackTimeoutMs: 10_000 } })],
    };
    app = await NestFactory.create(root, { logger: false });
    await app.listen(0, '127.0.0.1');
    api = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    fleet = await startAmbulances({ brokerUrl: mqttUrl, units: 4, speed: 200, turnoutMs: 20_000, onSceneMs: 60_000, reportIntervalMs: 200, tickMs: 20 });
  });

  afterAll(async () => {
    await fleet?.stop();
    await app?.close();
    await broker?.stop();
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async <T>(path: string): Promise<T> => (await (await fetch(api + path)).json()) as T;

  async function until<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('sends the nearest unit to a deteriorating patient at home, which drives there and back', async () => {
    await until(async () => (await get<UnitView[]>('/api/units')).filter((u) => u.status === 'available').length === 4 || undefined, 'four available units');

    const bad = await fetch(`${api}/api/patients/${patientId}/location`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outsideHospital: 'yes' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/outsideHospital must be true or false/);

    const put = await fetch(`${api}/api/patients/${patientId}/location`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outsideHospital: true, home: { lat: home.lat, lon: home.lon } }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ outsideHospital: true, position: { source: 'home' } });

    // septic shock on a home monitor: RR 30, SpO2 88 %, SBP 88, HR 135, 39.5 °C: NEWS2 well above 7
    const now = Date.now();
    const reading: Reading = {
      deviceId: 'home-monitor-1', seq: 1, patientId, deviceTime: now, receivedAt: now, salt: `0x${'11'.repeat(32)}`,
      measurements: { respiratory_rate: 30, spo2: 88, systolic_bp: 88, heart_rate: 135, temperature: 39.5 },
    };
    await bus.publish(busTopics.readings, patientId, reading);

    const dispatch = await until(async () => (await get<DispatchView[]>(`/api/dispatches?patientId=${patientId}`))[0], 'a dispatch');
    expect(dispatch.news2.score).toBeGreaterThanOrEqual(7);
    const expected = rankByEta(city.graph, home, planAmbulances({ units: 4 }).map((m) => ({ id: m.unitId, position: m.station.position })))[0]!;
    expect(dispatch.unitId).toBe(expected.candidate.id);

    const done = await until(async () => {
      const d = await get<DispatchDetailView>(`/api/dispatches/${dispatch.dispatchId}`);
      return d.status === 'completed' ? d : undefined;
    }, 'the unit to reach the patient and leave the scene');
    expect(done.history.map((h) => h.status)).toEqual(['queued', 'awaiting_ack', 'dispatched', 'en_route', 'on_scene', 'completed']);
    expect(done.route![0]).toEqual([expect.any(Number), expect.any(Number)]);
    const driver = fleet!.stats().find((s) => s.unitId === expected.candidate.id)!;
    expect(driver.arrivals).toBe(1);

    const again = await fetch(`${api}/api/dispatches/${dispatch.dispatchId}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    await until(async () => (await get<UnitView[]>('/api/units')).find((u) => u.unitId === driver.unitId)?.status === 'available' || undefined, 'the unit back at its station');
  });
});

describe('ambulance dispatch with MQTT auth required', () => {
  const city = demoCity();
  let dir: string;
  let bus: SqliteBus;
  let registry: SqliteDeviceRegistry;
  let broker: EmbeddedBroker;
  let mqttUrl: string;
  let app: INestApplication;
  let fleet: AmbulanceFleet | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-dispatch-auth-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 20 });
    registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'));
    broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, auth: 'required', registry });
    mqttUrl = `mqtt://127.0.0.1:${await broker.listen()}`;
    app = await NestFactory.create(
      { module: TestRoot, imports: [TestBusModule.with(bus), AlertsModule.forRoot({ dataDir: dir, messaging: broker, dispatch: { ackTimeoutMs: 10_000 } })] },
      { logger: false },
    );
    await app.init();
  });

  afterAll(async () => {
    await fleet?.stop();
    await app?.close();
    await broker?.stop();
    await bus?.close();
    registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('units sign in as principals of kind unit, take the order and cannot speak for each other', async () => {
    const members = planAmbulances({ units: 2 });
    // without credentials the broker refuses the unit
    await expect(startAmbulances({ brokerUrl: mqttUrl, units: 2, connectTimeoutMs: 2_000 })).rejects.toMatchObject({ code: 'SIM_E_BROKER_REJECTED' });
    const credentials = new Map<string, { username: string; password: string }>();
    for (const m of members) credentials.set(m.unitId, await registry.registerPrincipal('unit', m.unitId));
    fleet = await startAmbulances({ brokerUrl: mqttUrl, units: 2, speed: 200, turnoutMs: 20_000, onSceneMs: 60_000, reportIntervalMs: 200, tickMs: 20, credentials: (id) => credentials.get(id) });
    const dispatch = app.get(DispatchService);
    await waitFor(() => dispatch.units().length === 2, 'both units to report');

    // amb-01 signed in cannot publish amb-02's status
    const impostor = await mqtt.connectAsync(mqttUrl, { clientId: 'impostor', username: members[0]!.unitId, password: credentials.get(members[0]!.unitId)!.password, reconnectPeriod: 0 });
    const forged = { v: 1, unitId: members[1]!.unitId, status: 'unavailable', lat: 51.5, lon: -0.12, ts: Date.now() + 60_000 };
    // QoS 0: the broker refuses it (and, without ingest here to dead-letter it, drops the connection)
    await impostor.publishAsync(mqttTopics.unitStatus(members[1]!.unitId), JSON.stringify(forged), { qos: 0 }).catch(() => undefined);
    impostor.end(true);

    const patientId = 'pt-auth-home';
    await dispatch.setLocation(patientId, { outsideHospital: true, home: city.junction(22, 9) });
    const now = Date.now();
    const alert: AlertEvent = { alertId: `news2:${patientId}:x`, patientId, type: 'news2', priority: 'high', state: 'active', summary: 'NEWS2 8', score: 8, readingId: 'd:1', raisedAt: now, updatedAt: now };
    await bus.publish(busTopics.alerts, patientId, alert);
    const done = await waitFor(() => dispatch.listDispatches({ state: 'all', limit: 1 }).find((d) => d.status === 'on_scene' || d.status === 'completed'), 'the unit on scene');
    expect(members.map((m) => m.unitId)).toContain(done.unitId);
    expect(dispatch.units().find((u) => u.unitId === members[1]!.unitId)!.status).not.toBe('unavailable');
  });
});

async function waitFor<T>(probe: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
