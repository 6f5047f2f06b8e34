import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { MqttClient } from 'mqtt';
import { SqliteBus } from '@pulseproof/bus';
import { AlertEvent, DispatchCancel, DispatchOrder, LatLon, UnitStatus, busTopics, demoCity, mqttTopics, riverRow } from '@pulseproof/contracts';
import { EmbeddedBroker } from '@pulseproof/ingest';
import { resolveDispatchOptions } from './dispatch-config';
import { DispatchService } from './dispatch.service';
import { DispatchStore } from './dispatch.store';

/**
 * The dispatcher against a real embedded broker (aedes), real MQTT clients as ambulance units,
 * the real SQLite bus and store. Timeouts are short (hundreds of ms); nothing asserts how fast.
 */
const city = demoCity();
const PATIENT = 'pt-home-1';
const patientHome = city.junction(riverRow(7) + 1, 7); // just north of the river

class FakeUnit {
  readonly orders: DispatchOrder[] = [];
  readonly cancels: DispatchCancel[] = [];
  private constructor(
    readonly unitId: string,
    private readonly client: MqttClient,
    public position: LatLon,
  ) {}

  static async connect(url: string, unitId: string, position: LatLon, acknowledge: boolean): Promise<FakeUnit> {
    const client = await mqtt.connectAsync(url, { clientId: unitId, reconnectPeriod: 0 });
    const unit = new FakeUnit(unitId, client, position);
    client.on('message', (_topic, payload) => {
      const message = JSON.parse(payload.toString()) as DispatchOrder | DispatchCancel;
      if (message.type === 'cancel') unit.cancels.push(message);
      else {
        unit.orders.push(message);
        if (acknowledge) void unit.report('dispatched', message.dispatchId);
      }
    });
    await client.subscribeAsync(mqttTopics.unitDispatch(unitId), { qos: 1 });
    await unit.report('available');
    return unit;
  }

  async report(status: UnitStatus, dispatchId?: string): Promise<void> {
    const body = { v: 1, unitId: this.unitId, status, lat: this.position.lat, lon: this.position.lon, ts: Date.now(), ...(dispatchId ? { dispatchId } : {}) };
    await this.client.publishAsync(mqttTopics.unitStatus(this.unitId), JSON.stringify(body), { qos: 1 });
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Dispatcher (embedded broker, SQLite)', () => {
  let dir: string;
  let bus: SqliteBus;
  let broker: EmbeddedBroker;
  let url: string;
  let service: DispatchService | undefined;
  const units: FakeUnit[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-dispatch-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 20 });
    broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0 });
    url = `mqtt://127.0.0.1:${await broker.listen()}`;
  });

  afterEach(async () => {
    for (const unit of units.splice(0)) await unit.close();
    await service?.onApplicationShutdown();
    service = undefined;
    await broker.stop();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(ackTimeoutMs = 30_000): Promise<DispatchService> {
    service = new DispatchService(bus, DispatchStore.open(dir), broker, resolveDispatchOptions(dir, { ackTimeoutMs }));
    await service.onApplicationBootstrap();
    return service;
  }

  async function unit(unitId: string, position: LatLon, acknowledge = true): Promise<FakeUnit> {
    const u = await FakeUnit.connect(url, unitId, position, acknowledge);
    units.push(u);
    await until(() => service!.units().some((v) => v.unitId === unitId), `unit ${unitId} to be known`);
    return u;
  }

  function news2(score: number, alertId = `news2:${PATIENT}:r1`, state: AlertEvent['state'] = 'active'): AlertEvent {
    const now = Date.now();
    return { alertId, patientId: PATIENT, type: 'news2', priority: 'high', state, summary: `NEWS2 ${score} (RR 3, SpO2 3)`, score, readingId: 'dev-1:1', raisedAt: now, updatedAt: now };
  }

  const atHome = () => service!.setLocation(PATIENT, { outsideHospital: true, home: patientHome });

  it('orders the unit with the least ETA, then follows it to the scene', async () => {
    await start();
    const across = await unit('amb-across', city.junction(riverRow(7) - 1, 7)); // nearer as the crow flies, wrong bank
    const sameBank = await unit('amb-north', city.junction(riverRow(7) + 5, 7));
    const far = await unit('amb-far', city.junction(0, 0));
    await atHome();
    await bus.publish(busTopics.alerts, PATIENT, news2(8));

    const order = await until(() => sameBank.orders[0], 'an order to the same-bank unit');
    expect(across.orders).toHaveLength(0);
    expect(far.orders).toHaveLength(0);
    expect(order.location.lat).toBeCloseTo(patientHome.lat, 6);
    expect(order.news2.score).toBe(8);
    expect(order.route[0]).toEqual([expect.closeTo(sameBank.position.lat, 5), expect.closeTo(sameBank.position.lon, 5)]);
    expect(order.route.at(-1)![0]).toBeCloseTo(patientHome.lat, 5);
    expect(order.etaSeconds).toBeGreaterThan(0);
    // privacy: the crew gets a dispatch id and a place, never the patient id
    expect(JSON.stringify(order)).not.toContain(PATIENT);

    await until(() => service!.dispatch(order.dispatchId).status === 'dispatched', 'the acknowledgement');
    await sameBank.report('en_route', order.dispatchId);
    await until(() => service!.dispatch(order.dispatchId).status === 'en_route', 'en route');
    sameBank.position = patientHome;
    await sameBank.report('on_scene', order.dispatchId);
    await until(() => service!.dispatch(order.dispatchId).status === 'on_scene', 'on scene');
    await sameBank.report('returning', order.dispatchId);
    const done = await until(() => (service!.dispatch(order.dispatchId).status === 'completed' ? service!.dispatch(order.dispatchId) : undefined), 'completed');
    expect(done.history.map((h) => h.status)).toEqual(['queued', 'awaiting_ack', 'dispatched', 'en_route', 'on_scene', 'completed']);
    expect(done.attempts).toEqual([expect.objectContaining({ unitId: 'amb-north', outcome: 'acknowledged' })]);
    expect(service!.listDispatches({ state: 'open', limit: 10 })).toHaveLength(0);
  });

  it('dispatches once per alert, only at the trigger score, only outside hospital', async () => {
    await start();
    const amb = await unit('amb-1', city.junction(20, 7));
    await bus.publish(busTopics.alerts, PATIENT, news2(9, 'news2:pt:in-hospital'));
    await until(() => bus.lag(busTopics.alerts, 'dispatch') === 0, 'the alert to be consumed');
    expect(service!.listDispatches({ state: 'all', limit: 10 })).toHaveLength(0); // in hospital: no ambulance
    await atHome();
    // the in-hospital alert is still active: marking the patient at home dispatched for it already
    const first = await until(() => amb.orders[0], 'the order for the active alert');
    await bus.publish(busTopics.alerts, PATIENT, news2(6, 'news2:pt:below'));
    await bus.publish(busTopics.alerts, PATIENT, news2(9, 'news2:pt:in-hospital')); // redelivered
    await bus.publish(busTopics.alerts, PATIENT, news2(9, 'news2:pt:another')); // one open dispatch per patient
    await until(() => bus.lag(busTopics.alerts, 'dispatch') === 0, 'the alerts to be consumed');
    const all = service!.listDispatches({ state: 'all', limit: 10 });
    expect(all).toHaveLength(1);
    expect(all[0]!.dispatchId).toBe(first.dispatchId);
    expect(amb.orders).toHaveLength(1);
  });

  it('asks the next unit when the nearest does not acknowledge in time, and tells a late one it was reassigned', async () => {
    await start(300);
    const silent = await unit('amb-silent', city.junction(riverRow(7) + 2, 7), false);
    const next = await unit('amb-next', city.junction(riverRow(7) + 6, 9));
    await atHome();
    await bus.publish(busTopics.alerts, PATIENT, news2(7));
    const offered = await until(() => silent.orders[0], 'the first offer');
    const order = await until(() => next.orders[0], 'the second offer');
    expect(order.dispatchId).toBe(offered.dispatchId);
    await until(() => service!.dispatch(order.dispatchId).status === 'dispatched', 'the acknowledgement');
    expect(service!.dispatch(order.dispatchId).attempts.map((a) => [a.unitId, a.outcome])).toEqual([
      ['amb-silent', 'timeout'],
      ['amb-next', 'acknowledged'],
    ]);
    await silent.report('dispatched', order.dispatchId);
    const cancel = await until(() => silent.cancels[0], 'the reassignment notice');
    expect(cancel).toMatchObject({ dispatchId: order.dispatchId, reason: 'reassigned' });
    expect(service!.dispatch(order.dispatchId).unitId).toBe('amb-next');
  });

  it('queues a dispatch when no unit is free and offers it to the first that reports available', async () => {
    await start();
    await atHome();
    await bus.publish(busTopics.alerts, PATIENT, news2(7));
    const queued = await until(() => service!.listDispatches({ state: 'open', limit: 1 })[0], 'a queued dispatch');
    expect(queued.status).toBe('queued');
    const amb = await unit('amb-late', city.junction(3, 3));
    const order = await until(() => amb.orders[0], 'the order');
    expect(order.dispatchId).toBe(queued.dispatchId);
  });

  it('cancels: the unit is told, a second cancel is refused', async () => {
    await start();
    const amb = await unit('amb-1', city.junction(20, 7));
    await atHome();
    await bus.publish(busTopics.alerts, PATIENT, news2(7));
    const order = await until(() => amb.orders[0], 'the order');
    await until(() => service!.dispatch(order.dispatchId).status === 'dispatched', 'the acknowledgement');
    const cancelled = await service!.cancel(order.dispatchId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.history.at(-1)).toMatchObject({ status: 'cancelled', note: 'cancelled by staff' });
    expect(await until(() => amb.cancels[0], 'the cancellation')).toMatchObject({ dispatchId: order.dispatchId, reason: 'cancelled' });
    await expect(service!.cancel(order.dispatchId)).rejects.toMatchObject({ status: 409 });
    await expect(service!.cancel('no-such-dispatch')).rejects.toMatchObject({ status: 404 });
  });

  it('goes to the latest GPS fix rather than the home address', async () => {
    await start();
    const amb = await unit('amb-1', city.junction(20, 7));
    await atHome();
    const fix = city.junction(22, 12);
    await bus.publish(busTopics.readings, PATIENT, {
      deviceId: 'wrist-1', seq: 1, patientId: PATIENT, deviceTime: Date.now(), receivedAt: Date.now() + 1, salt: '0x00',
      measurements: { heart_rate: 120, gps_latitude: Math.round(fix.lat * 1e6), gps_longitude: Math.round(fix.lon * 1e6) },
    });
    await until(() => service!.location(PATIENT).position?.source === 'gps', 'the GPS fix');
    await bus.publish(busTopics.alerts, PATIENT, news2(7));
    const order = await until(() => amb.orders[0], 'the order');
    expect(order.location.lat).toBeCloseTo(fix.lat, 5);
    expect(order.location.lon).toBeCloseTo(fix.lon, 5);
  });

  it('re-arms the acknowledgement timer after a restart', async () => {
    await start(1_500);
    const silent = await unit('amb-silent', city.junction(riverRow(7) + 2, 7), false);
    const next = await unit('amb-next', city.junction(riverRow(7) + 6, 9));
    await atHome();
    await bus.publish(busTopics.alerts, PATIENT, news2(7));
    const offered = await until(() => silent.orders[0], 'the first offer');
    // the process stops before the deadline: the timer dies with it
    await service!.onApplicationShutdown();
    service = undefined;
    await start(1_500);
    // the order still waiting is re-published (same dispatch id) and the deadline kept
    const republished = await until(() => silent.orders[1], 'the re-published order');
    expect(republished.dispatchId).toBe(offered.dispatchId);
    await next.report('available'); // still fresh after the restart
    const order = await until(() => next.orders[0], 'the offer to the next unit after the stored deadline');
    expect(order.dispatchId).toBe(offered.dispatchId);
  });

  it('refuses unit messages that are malformed or speak for another unit', async () => {
    await start();
    const client = await mqtt.connectAsync(url, { clientId: 'intruder', reconnectPeriod: 0 });
    try {
      await client.publishAsync(mqttTopics.unitStatus('amb-x'), 'not json', { qos: 1 });
      await client.publishAsync(mqttTopics.unitStatus('amb-x'), JSON.stringify({ v: 1, unitId: 'amb-y', status: 'available', lat: 51.5, lon: -0.1, ts: 1 }), { qos: 1 });
      await client.publishAsync(mqttTopics.unitStatus('amb-x'), JSON.stringify({ v: 1, unitId: 'amb-x', status: 'flying', lat: 51.5, lon: -0.1, ts: 1 }), { qos: 1 });
      await until(() => service!.health().detail!.rejectedUnitMessages === 3, 'three refusals');
      expect(service!.units()).toHaveLength(0);
    } finally {
      await client.endAsync();
    }
  });
});
