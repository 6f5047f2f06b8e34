import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import {
  AmbulanceStation,
  DispatchOrder,
  LatLon,
  RoadGraph,
  UNIT_WIRE_VERSION,
  UnitStatus,
  UnitStatusMessage,
  mqttTopics,
  planRoute,
  roundPosition,
  unitOrderSchema,
} from '@pulseproof/contracts';
import type { DeviceTlsOptions } from '../device';
import { describeConnectionFailure, firstConnection, tlsClientOptions } from '../device-connection';
import { RouteDrive } from './route-drive';

/**
 * One simulated ambulance: an MQTT client that reports its status and position, acknowledges the
 * dispatch orders it receives, drives the order's route at the road speeds (times `speed`), reports
 * `en_route` and `on_scene`, stays on scene, then drives back to its station (`returning`) and
 * reports `available` again. A cancellation sends it home from wherever it is.
 */
export interface AmbulanceUnitOptions {
  readonly brokerUrl: string;
  readonly unitId: string;
  readonly station: AmbulanceStation;
  readonly graph: RoadGraph;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: DeviceTlsOptions;
  /** simulated time runs this many times faster (driving, turnout, time on scene); default 1 */
  readonly speed?: number;
  /** real ms between two position reports; default 3000 */
  readonly reportIntervalMs?: number;
  /** real ms between two position updates while driving; default 250 */
  readonly tickMs?: number;
  /** simulated ms from acknowledging to driving off; default 60000 */
  readonly turnoutMs?: number;
  /** simulated ms on scene before returning; default 600000 */
  readonly onSceneMs?: number;
  /** never acknowledge orders (a unit whose crew does not answer; tests and demos of the timeout) */
  readonly silent?: boolean;
  /** give up on the first connection after this long, ms; default 5000 */
  readonly connectTimeoutMs?: number;
  readonly clock?: () => number;
}

export interface AmbulanceStats {
  readonly unitId: string;
  readonly status: UnitStatus;
  readonly dispatchId: string | undefined;
  readonly position: LatLon;
  readonly ordersReceived: number;
  readonly arrivals: number;
  readonly connected: boolean;
}

export class SimulatedAmbulance {
  readonly unitId: string;
  private client: MqttClient | undefined;
  private status: UnitStatus = 'available';
  private position: LatLon;
  private job: DispatchOrder | undefined;
  private drive: RouteDrive | undefined;
  private onArrival: (() => void) | undefined;
  private pending: NodeJS.Timeout | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private ordersReceived = 0;
  private arrivals = 0;
  private lastError: Error | undefined;
  private readonly clock: () => number;
  private readonly speed: number;

  constructor(private readonly options: AmbulanceUnitOptions) {
    this.unitId = options.unitId;
    this.position = options.station.position;
    this.clock = options.clock ?? Date.now;
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0 && Number.isFinite(this.speed))) throw new Error(`speed must be a number > 0 (got ${this.speed})`);
  }

  async start(): Promise<void> {
    if (this.client) return;
    const { brokerUrl, unitId, username, password } = this.options;
    const clientOptions: IClientOptions = {
      clientId: unitId,
      // a persistent session [MQTT-3.1.2-4]: an order published while the unit is briefly offline arrives on reconnection
      clean: false,
      protocolVersion: 4,
      connectTimeout: this.options.connectTimeoutMs ?? 5000,
      reconnectPeriod: 1000,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...tlsClientOptions(this.options.tls),
    };
    const client = mqtt.connect(brokerUrl, clientOptions);
    this.client = client;
    client.on('error', (error) => (this.lastError = error));
    client.on('message', (_topic, payload) => this.onMessage(payload));
    try {
      await firstConnection(client, () => this.lastError);
    } catch (error) {
      client.end(true);
      this.client = undefined;
      throw describeConnectionFailure(error as Error, brokerUrl, unitId);
    }
    await client.subscribeAsync(mqttTopics.unitDispatch(unitId), { qos: 1 });
    this.report();
    this.reportTimer = setInterval(() => this.report(), this.options.reportIntervalMs ?? 3000);
    this.tickTimer = setInterval(() => this.tick(), this.options.tickMs ?? 250);
  }

  async stop(): Promise<void> {
    clearInterval(this.reportTimer);
    clearInterval(this.tickTimer);
    clearTimeout(this.pending);
    const client = this.client;
    this.client = undefined;
    await client?.endAsync();
  }

  stats(): AmbulanceStats {
    return {
      unitId: this.unitId,
      status: this.status,
      dispatchId: this.job?.dispatchId,
      position: this.position,
      ordersReceived: this.ordersReceived,
      arrivals: this.arrivals,
      connected: this.client?.connected ?? false,
    };
  }

  private onMessage(payload: Buffer): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    const result = unitOrderSchema.safeParse(parsed);
    if (!result.success || result.data.unitId !== this.unitId) return;
    const message = result.data;
    if (message.type === 'cancel') {
      if (this.job?.dispatchId === message.dispatchId) this.goHome();
      return;
    }
    this.ordersReceived++;
    if (this.options.silent) return;
    if (this.job) {
      // the same order again (the dispatcher re-publishes after a restart): acknowledge again
      if (this.job.dispatchId === message.dispatchId) this.report();
      return; // busy with another order: no acknowledgement, the dispatcher asks the next unit
    }
    if (this.status !== 'available') return;
    this.job = message;
    this.setStatus('dispatched');
    this.pending = setTimeout(() => this.driveTo(message), (this.options.turnoutMs ?? 60_000) / this.speed);
  }

  private driveTo(order: DispatchOrder): void {
    if (this.job !== order) return;
    const route = order.route.map(([lat, lon]) => ({ lat, lon }));
    this.startDrive([this.position, ...route.slice(1)], () => {
      this.arrivals++;
      this.setStatus('on_scene');
      this.pending = setTimeout(() => this.goHome(), (this.options.onSceneMs ?? 600_000) / this.speed);
    });
    this.setStatus('en_route');
  }

  /** Back to the station; the dispatch id goes along while the crew returns from a scene. */
  private goHome(): void {
    clearTimeout(this.pending);
    const fromScene = this.status === 'on_scene';
    if (!fromScene) this.job = undefined;
    const route = planRoute(this.options.graph, this.position, this.options.station.position);
    if (!route || route.points.length < 2) {
      this.job = undefined;
      this.setStatus('available');
      return;
    }
    this.startDrive([this.position, ...route.points.slice(1)], () => {
      this.job = undefined;
      this.setStatus('available');
    });
    this.setStatus('returning');
  }

  private startDrive(points: LatLon[], onArrival: () => void): void {
    this.drive = new RouteDrive(this.options.graph, points, this.clock(), this.speed);
    this.onArrival = onArrival;
  }

  private tick(): void {
    if (!this.drive) return;
    const { position, arrived } = this.drive.at(this.clock());
    this.position = position;
    if (!arrived) return;
    const done = this.onArrival;
    this.drive = undefined;
    this.onArrival = undefined;
    done?.();
  }

  private setStatus(status: UnitStatus): void {
    this.status = status;
    this.report();
  }

  private report(): void {
    const client = this.client;
    if (!client) return;
    const p = roundPosition(this.position);
    const message: UnitStatusMessage = {
      v: UNIT_WIRE_VERSION,
      unitId: this.unitId,
      status: this.status,
      lat: p.lat,
      lon: p.lon,
      ts: this.clock(),
      ...(this.job ? { dispatchId: this.job.dispatchId } : {}),
    };
    client.publish(mqttTopics.unitStatus(this.unitId), JSON.stringify(message), { qos: 1 }, () => undefined);
  }
}
