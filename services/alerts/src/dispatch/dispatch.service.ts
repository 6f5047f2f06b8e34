import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, BusMessage, Subscription } from '@pulseproof/bus';
import {
  AlertEvent,
  ComponentHealth,
  HealthReporter,
  ID_PATTERN,
  MqttMessaging,
  Reading,
  busTopics,
  isValidPosition,
  mqttTopics,
  unitStatusMessageSchema,
} from '@pulseproof/contracts';
import { DISPATCH_OPTIONS, ResolvedDispatchOptions } from './dispatch-config';
import { badLocation, notFound } from './dispatch-errors';
import { PatientLocationInput } from './dispatch-input';
import { DispatchQuery, DispatchStore } from './dispatch.store';
import { DispatchDetailView, DispatchView, PatientLocationView, ScopedUnitView, UnitView, toDispatchDetailView, toDispatchView, toLocationView, toUnitView, unitViewFor } from './dispatch-views';
import { Dispatcher } from './dispatcher';

/** The consumer group of the dispatcher on `vitals.alerts` (triggers) and `vitals.readings` (GPS fixes). */
export const DISPATCH_CONSUMER_GROUP = 'dispatch';
/** The MqttMessaging the dispatcher publishes orders and hears units through (AlertsModule's `mqtt`). */
export const DISPATCH_MQTT = Symbol('DISPATCH_MQTT');

/** the wearable's GPS position is sent in whole microdegrees (contracts MEASUREMENTS.gps_latitude) */
const MICRODEGREES = 1e6;

/**
 * Ambulance dispatch as a Nest provider: wires the bus (alert events, GPS readings) and MQTT (unit
 * status) to the Dispatcher, and serves the API. Logs dispatch and unit ids, never patient ids.
 */
@Injectable()
export class DispatchService implements OnApplicationBootstrap, OnApplicationShutdown, HealthReporter {
  readonly component = 'dispatch';
  private readonly logger = new Logger('DispatchService');
  private readonly dispatcher: Dispatcher;
  private alertsSubscription: Subscription | undefined;
  private readingsSubscription: Subscription | undefined;
  private unsubscribeUnits: (() => Promise<void>) | undefined;
  private rejectedUnitMessages = 0;

  constructor(
    private readonly bus: Bus,
    private readonly store: DispatchStore,
    @Inject(DISPATCH_MQTT) private readonly mqtt: MqttMessaging,
    @Inject(DISPATCH_OPTIONS) private readonly options: ResolvedDispatchOptions,
  ) {
    this.dispatcher = new Dispatcher(store, mqtt, options);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribeUnits = await this.mqtt.subscribe(mqttTopics.unitStatusFilter, (topic, payload) => this.onUnitMessage(topic, payload));
    await this.dispatcher.resume();
    this.alertsSubscription = this.bus.subscribe<unknown>(busTopics.alerts, DISPATCH_CONSUMER_GROUP, (batch) => this.handleAlerts(batch));
    this.readingsSubscription = this.bus.subscribe<unknown>(busTopics.readings, DISPATCH_CONSUMER_GROUP, async (batch) => this.handleReadings(batch));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.alertsSubscription?.stop();
    await this.readingsSubscription?.stop();
    this.alertsSubscription = this.readingsSubscription = undefined;
    await this.unsubscribeUnits?.().catch(() => undefined);
    this.unsubscribeUnits = undefined;
    await this.dispatcher.close();
    this.store.close();
  }

  /** A batch of `vitals.alerts`; the group commits only once every trigger is durably handled. */
  async handleAlerts(batch: readonly BusMessage<unknown>[]): Promise<void> {
    for (const message of batch) {
      const event = asAlertEvent(message.value);
      if (!event) {
        this.logger.warn(`skipped a malformed alert event at offset ${message.offset}`);
        continue;
      }
      await this.dispatcher.handleAlert(event);
    }
  }

  /** GPS fixes from wearables: the newest per patient is kept (a redelivered reading changes nothing). */
  handleReadings(batch: readonly BusMessage<unknown>[]): void {
    this.store.transaction(() => {
      for (const message of batch) {
        const r = message.value as Partial<Reading> | null;
        const lat = r?.measurements?.gps_latitude;
        const lon = r?.measurements?.gps_longitude;
        if (typeof lat !== 'number' || typeof lon !== 'number') continue;
        if (typeof r!.patientId !== 'string' || !ID_PATTERN.test(r!.patientId) || !Number.isSafeInteger(r!.deviceTime)) continue;
        const position = { lat: lat / MICRODEGREES, lon: lon / MICRODEGREES };
        if (!isValidPosition(position)) continue;
        this.store.recordGps(r!.patientId, position, r!.deviceTime!, Number.isSafeInteger(r!.receivedAt) ? r!.receivedAt! : this.options.clock());
      }
    });
  }

  /** Validated at the edge: JSON, schema v1, and the body's unitId must be the topic's. */
  onUnitMessage(topic: string, payload: Buffer): void {
    const topicUnit = /^pulseproof\/v1\/units\/([^/]+)\/status$/.exec(topic)?.[1];
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const result = unitStatusMessageSchema.safeParse(parsed);
    if (!result.success || result.data.unitId !== topicUnit) {
      this.rejectedUnitMessages++;
      const why = result.success ? 'unitId does not match the topic' : (result.error.issues[0]?.message ?? 'invalid');
      this.logger.warn(`refused a unit status message on ${topic.slice(0, 120)}: ${why}`);
      return;
    }
    this.dispatcher.handleUnitStatus(result.data).catch((error: unknown) => this.logger.error(`unit ${result.data.unitId}: status not applied: ${String(error)}`));
  }

  // API

  async setLocation(patientId: string, input: PatientLocationInput): Promise<PatientLocationView> {
    if (input.home) {
      const { metres } = this.options.graph.nearestNode(input.home);
      if (metres > this.options.maxRoadDistanceM) {
        throw badLocation(`home is ${Math.round(metres)} m from the nearest road of the dispatch area (at most ${this.options.maxRoadDistanceM} m)`);
      }
    }
    return toLocationView(await this.dispatcher.setLocation(patientId, input.outsideHospital, input.home));
  }

  location(patientId: string): PatientLocationView {
    const location = this.store.location(patientId);
    if (!location) throw notFound(`no location recorded for patient ${patientId}`);
    return toLocationView(location);
  }

  listDispatches(query: DispatchQuery): DispatchView[] {
    return this.store.listDispatches(query).map(toDispatchView);
  }

  dispatch(dispatchId: string): DispatchDetailView {
    const d = this.store.dispatch(dispatchId);
    if (!d) throw notFound(`no dispatch ${dispatchId}`);
    return toDispatchDetailView(d, this.store.attempts(dispatchId), this.store.history(dispatchId));
  }

  async cancel(dispatchId: string): Promise<DispatchDetailView> {
    await this.dispatcher.cancel(dispatchId);
    return this.dispatch(dispatchId);
  }

  units(): UnitView[] {
    return this.store.units().map(toUnitView);
  }

  /** `GET /api/units` for a caller who may see only some patients: see unitViewFor. */
  unitsFor(visible: (patientId: string) => boolean): (UnitView | ScopedUnitView)[] {
    return this.store.units().map((u) => unitViewFor(u, visible, (id) => this.store.dispatch(id)?.patientId));
  }

  /** `GET /api/health`: counts only. */
  health(): ComponentHealth {
    const now = this.options.clock();
    const units = this.store.units();
    const fresh = units.filter((u) => now - u.receivedAt <= this.options.unitStaleMs);
    const running = this.alertsSubscription !== undefined && this.unsubscribeUnits !== undefined;
    return {
      status: running ? 'up' : 'down',
      detail: {
        units: units.length,
        unitsReporting: fresh.length,
        unitsAvailable: fresh.filter((u) => u.status === 'available').length,
        openDispatches: this.store.countOpen(),
        rejectedUnitMessages: this.rejectedUnitMessages,
        alertsLag: this.bus.lag(busTopics.alerts, DISPATCH_CONSUMER_GROUP),
        readingsLag: this.bus.lag(busTopics.readings, DISPATCH_CONSUMER_GROUP),
      },
    };
  }
}

function asAlertEvent(value: unknown): AlertEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Partial<AlertEvent>;
  const ok =
    typeof e.alertId === 'string' &&
    typeof e.patientId === 'string' &&
    ID_PATTERN.test(e.patientId) &&
    typeof e.type === 'string' &&
    (e.state === 'active' || e.state === 'cleared') &&
    typeof e.summary === 'string' &&
    (e.score === undefined || (typeof e.score === 'number' && Number.isFinite(e.score))) &&
    Number.isSafeInteger(e.updatedAt);
  return ok ? (e as AlertEvent) : undefined;
}
