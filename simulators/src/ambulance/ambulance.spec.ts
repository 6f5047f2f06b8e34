import mqtt, { MqttClient } from 'mqtt';
import { DispatchOrder, LatLon, UnitStatusMessage, demoCity, distanceMetres, mqttTopics, planRoute, routeTimeline } from '@pulseproof/contracts';
import { startTestBroker, TestBroker } from '../testing/test-broker';
import { main } from '../cli';
import { planAmbulances } from './ambulance-plan';
import { AmbulanceFleet, startAmbulances } from './ambulance-fleet';
import { RouteDrive } from './route-drive';

const city = demoCity();

describe('planAmbulances', () => {
  it('fills the stations in order with stable ids', () => {
    const plan = planAmbulances({ units: 8 });
    expect(plan.map((m) => m.unitId)).toEqual(['amb-01', 'amb-02', 'amb-03', 'amb-04', 'amb-05', 'amb-06', 'amb-07', 'amb-08']);
    expect(plan[0]!.station).toBe(city.stations[0]);
    expect(plan[6]!.station).toBe(city.stations[0]);
    expect(() => planAmbulances({ units: 0 })).toThrow(/units must be/);
  });
});

describe('RouteDrive', () => {
  it('drives the route at the road speeds times the speed factor', () => {
    const route = planRoute(city.graph, city.junction(2, 2), city.junction(20, 20))!;
    const total = routeTimeline(city.graph, route.points).seconds.at(-1)!;
    const drive = new RouteDrive(city.graph, route.points, 0, 10);
    expect(drive.totalSeconds).toBeCloseTo(route.etaSeconds, 6);
    const halfway = drive.at((total / 2 / 10) * 1000);
    expect(halfway.arrived).toBe(false);
    expect(distanceMetres(halfway.position, route.points[0]!)).toBeGreaterThan(100);
    expect(drive.at((total / 10) * 1000 + 1)).toEqual({ position: route.points.at(-1), arrived: true });
  });
});

describe('simulated ambulances over MQTT', () => {
  jest.setTimeout(20_000);
  let broker: TestBroker;
  let dispatcher: MqttClient;
  let fleet: AmbulanceFleet | undefined;
  const reports: UnitStatusMessage[] = [];

  beforeEach(async () => {
    broker = await startTestBroker();
    dispatcher = await mqtt.connectAsync(broker.url, { clientId: 'dispatcher', reconnectPeriod: 0 });
    dispatcher.on('message', (_t, payload) => reports.push(JSON.parse(payload.toString()) as UnitStatusMessage));
    await dispatcher.subscribeAsync(mqttTopics.unitStatusFilter, { qos: 1 });
  });

  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
    await dispatcher.endAsync();
    await broker.close();
    reports.length = 0;
  });

  async function until<T>(probe: () => T | undefined | false, what: string): Promise<T> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  function order(unitId: string, from: LatLon, to: LatLon, dispatchId = 'd-1'): DispatchOrder {
    const route = planRoute(city.graph, from, to)!;
    return {
      v: 1, type: 'dispatch', dispatchId, unitId, issuedAt: Date.now(), ackWithinMs: 30_000,
      location: to, news2: { score: 8, summary: 'NEWS2 8' }, route: route.points.map((p) => [p.lat, p.lon] as [number, number]),
      etaSeconds: Math.round(route.etaSeconds), distanceMetres: Math.round(route.metres),
    };
  }

  const statusesOf = (unitId: string) => reports.filter((r) => r.unitId === unitId).map((r) => r.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);

  it('acknowledges, drives to the scene, stays, returns to its station and is available again', async () => {
    fleet = await startAmbulances({ brokerUrl: broker.url, units: 2, speed: 1000, turnoutMs: 10_000, onSceneMs: 100_000, tickMs: 20, reportIntervalMs: 100 });
    const [first] = fleet.members;
    await until(() => reports.some((r) => r.unitId === first!.unitId), 'the first report');
    const scene = city.junction(22, 9);
    await dispatcher.publishAsync(mqttTopics.unitDispatch(first!.unitId), JSON.stringify(order(first!.unitId, first!.station.position, scene)), { qos: 1 });

    const onScene = await until(() => reports.find((r) => r.unitId === first!.unitId && r.status === 'on_scene'), 'on scene');
    expect(onScene.dispatchId).toBe('d-1');
    expect(distanceMetres(onScene, scene)).toBeLessThan(1);
    const back = await until(() => reports.find((r) => r.unitId === first!.unitId && r.status === 'available' && reports.indexOf(r) > reports.indexOf(onScene)), 'available again');
    expect(distanceMetres(back, first!.station.position)).toBeLessThan(1);
    expect(statusesOf(first!.unitId)).toEqual(['available', 'dispatched', 'en_route', 'on_scene', 'returning', 'available']);
    expect(reports.find((r) => r.status === 'returning')!.dispatchId).toBe('d-1');
    expect(statusesOf(fleet.members[1]!.unitId)).toEqual(['available']);
  });

  it('goes home on a cancellation and ignores orders for other units', async () => {
    fleet = await startAmbulances({ brokerUrl: broker.url, units: 1, speed: 5, turnoutMs: 100, tickMs: 20, reportIntervalMs: 100 });
    const [unit] = fleet.members;
    await until(() => reports.length > 0, 'the first report');
    await dispatcher.publishAsync(mqttTopics.unitDispatch(unit!.unitId), JSON.stringify(order('amb-99', unit!.station.position, city.junction(22, 9))), { qos: 1 });
    await dispatcher.publishAsync(mqttTopics.unitDispatch(unit!.unitId), JSON.stringify(order(unit!.unitId, unit!.station.position, city.junction(22, 9))), { qos: 1 });
    await until(() => reports.some((r) => r.status === 'en_route'), 'en route');
    await dispatcher.publishAsync(
      mqttTopics.unitDispatch(unit!.unitId),
      JSON.stringify({ v: 1, type: 'cancel', dispatchId: 'd-1', unitId: unit!.unitId, reason: 'cancelled', issuedAt: Date.now() }),
      { qos: 1 },
    );
    await until(() => reports.at(-1)?.status === 'available' && reports.some((r) => r.status === 'returning'), 'available again');
    expect(fleet.stats()[0]).toMatchObject({ ordersReceived: 1, arrivals: 0, dispatchId: undefined });
    expect(statusesOf(unit!.unitId)).toEqual(['available', 'dispatched', 'en_route', 'returning', 'available']);
    expect(reports.filter((r) => r.status === 'returning').every((r) => r.dispatchId === undefined)).toBe(true);
  });

  it('a silent unit never acknowledges', async () => {
    fleet = await startAmbulances({ brokerUrl: broker.url, units: 1, silentUnits: ['amb-01'], reportIntervalMs: 50 });
    await until(() => reports.length > 0, 'the first report');
    await dispatcher.publishAsync(mqttTopics.unitDispatch('amb-01'), JSON.stringify(order('amb-01', city.stations[0]!.position, city.junction(22, 9))), { qos: 1 });
    await until(() => fleet!.stats()[0]!.ordersReceived === 1, 'the order to arrive');
    const after = reports.length;
    await until(() => reports.length > after + 2, 'a few more reports');
    expect(reports.every((r) => r.status === 'available')).toBe(true);
  });
});

describe('pulseproof-sim ambulances', () => {
  it('explains itself and refuses bad options', async () => {
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) };
    expect(await main(['node', 'pulseproof-sim', 'ambulances', '--help'], io)).toBe(0);
    expect(out).toContain('acknowledges an order');
    expect(out).toContain('--credentials');
    expect(await main(['node', 'pulseproof-sim', 'ambulances', '--units', '0'], io)).toBe(2);
    expect(err).toContain('units must be a whole number');
  });
});
