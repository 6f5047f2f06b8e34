import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, BusMessage, Subscription } from '@pulseproof/bus';
import {
  AlertEvent,
  ComponentHealth,
  HealthReporter,
  ID_PATTERN,
  MEASUREMENTS,
  Reading,
  busTopics,
  isMeasurementCode,
  normaliseValue,
  readingId,
} from '@pulseproof/contracts';
import { ALERTS_OPTIONS, ResolvedAlertsOptions } from './config';
import { AlertsError } from './errors';
import { News2Result, Spo2Scale, scoreNews2 } from './news2';
import { NEWS2_ALERT_TYPE, decideNews2Alert } from './news2-alert.policy';
import { AlertQuery, AlertRecord, PatientStateStore } from './patient-state.store';
import { AlertView, PatientView, byUrgency, groupByPatient, toAlertView, toPatientView } from './patient-views';
import { currentVitals } from './patient-vitals';

/** The consumer group of this service on `vitals.readings`. */
export const ALERTS_CONSUMER_GROUP = 'alerts';

/** How long an applied reading id is remembered; redeliveries come within minutes, not days. */
const PROCESSED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

const PAST = { raise: 'raised', update: 'updated', clear: 'cleared' } as const;

/** Where a measurement came from: a device reading, or a staff observation. */
interface Source {
  readonly id: string;
  readonly deviceId?: string;
  readonly seq?: number;
}

/**
 * Keeps each patient's latest vitals, scores NEWS2 on every new measurement and raises, updates
 * and clears the patient's `news2` alert.
 *
 * Idempotent: a reading is applied at most once (its id is recorded in the same transaction as its
 * effects), and alert events go through an outbox written in that transaction, so a crash between
 * commit and publish re-publishes rather than loses an event. Events are therefore at-least-once,
 * identified by alert id and `updatedAt`.
 */
@Injectable()
export class AlertsService implements OnApplicationBootstrap, OnApplicationShutdown, HealthReporter {
  readonly component = 'alerts';
  private readonly logger = new Logger('AlertsService');
  private subscription: Subscription | undefined;
  private publishing: Promise<void> = Promise.resolve();
  private pruneTimer: NodeJS.Timeout | undefined;
  private lastBatchFailed = false;

  constructor(
    private readonly bus: Bus,
    private readonly store: PatientStateStore,
    @Inject(ALERTS_OPTIONS) private readonly options: ResolvedAlertsOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    // Events committed before a crash but not yet published leave first.
    await this.publishPending().catch((error: unknown) => this.logger.error(`alert events not published yet: ${String(error)}`));
    this.subscription = this.bus.subscribe<unknown>(busTopics.readings, ALERTS_CONSUMER_GROUP, (batch) => this.handleBatch(batch));
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.subscription?.stop();
    this.subscription = undefined;
    await this.publishing;
    this.store.close();
  }

  /** Applies one batch from `vitals.readings`, then publishes the alert events it produced. */
  async handleBatch(batch: readonly BusMessage<unknown>[]): Promise<void> {
    try {
      let applied = 0;
      this.store.transaction(() => {
        for (const message of batch) {
          const reading = asReading(message.value);
          if (!reading) {
            // Not retried: a malformed message would block the group forever.
            this.logger.warn(`skipped a malformed reading at offset ${message.offset}`);
            continue;
          }
          if (this.applyReading(reading)) applied++;
        }
      });
      await this.publishPending();
      this.lastBatchFailed = false;
      this.logger.debug(`applied ${applied} of ${batch.length} readings`);
    } catch (error) {
      this.lastBatchFailed = true;
      this.logger.error(`batch of ${batch.length} readings failed, will be retried: ${String(error)}`);
      throw error;
    }
  }

  /**
   * A measurement entered by staff (ACVPU, air or oxygen, a counted respiration rate...), scored
   * with the device readings. The seam of the observations API. `at` is when it was observed.
   * Recording the same observation (patient, code, time) twice applies it once.
   */
  async recordObservation(patientId: string, code: string, value: number, at: number): Promise<News2Result> {
    if (!ID_PATTERN.test(patientId)) throw new AlertsError('ALERTS_E_OBSERVATION', 'patientId is not a valid id');
    if (!isMeasurementCode(code)) throw new AlertsError('ALERTS_E_OBSERVATION', `unknown measurement "${code.slice(0, 64)}"`);
    const spec = MEASUREMENTS[code];
    if (!Number.isFinite(value) || value < spec.min || value > spec.max || (('integer' in spec) && !Number.isInteger(value))) {
      throw new AlertsError('ALERTS_E_OBSERVATION', `${code} must be ${'integer' in spec ? 'a whole number ' : ''}within ${spec.min}..${spec.max} ${spec.unit}`);
    }
    if (!Number.isSafeInteger(at) || at < 0) throw new AlertsError('ALERTS_E_OBSERVATION', 'at must be a time in ms since the epoch');
    this.store.transaction(() => {
      const source: Source = { id: `observation:${patientId}:${code}:${at}` };
      if (!this.store.markProcessed(source.id, Date.now())) return;
      this.store.touchPatient(patientId, at, Date.now());
      if (this.store.recordVital({ patientId, code, value: normaliseValue(value), deviceTime: at, sourceId: source.id })) {
        this.evaluate(patientId, source);
      }
    });
    await this.publishPending();
    return this.news2Of(patientId);
  }

  /**
   * SpO2 scale 2 is a clinician's decision for a patient in hypercapnic respiratory failure
   * (RCP 2017, Chart 1): the seam of the API that records it. Rescores the patient at once.
   */
  async setSpo2Scale(patientId: string, scale: Spo2Scale, at: number): Promise<News2Result> {
    if (!ID_PATTERN.test(patientId)) throw new AlertsError('ALERTS_E_OBSERVATION', 'patientId is not a valid id');
    if (scale !== 1 && scale !== 2) throw new AlertsError('ALERTS_E_OBSERVATION', 'the SpO2 scale is 1 or 2');
    this.store.transaction(() => {
      this.store.setSpo2Scale(patientId, scale, Date.now());
      this.evaluate(patientId, { id: `spo2-scale:${patientId}:${scale}:${at}` });
    });
    await this.publishPending();
    return this.news2Of(patientId);
  }

  /** Alerts, newest raised first. */
  listAlerts(query: AlertQuery): AlertView[] {
    return this.store.listAlerts(query).map(toAlertView);
  }

  /** Every patient seen, the highest NEWS2 first so that deteriorating patients rise to the top. */
  listPatients(): PatientView[] {
    const vitals = groupByPatient(this.store.latestVitals());
    const views = this.store.patients().map((p) => toPatientView(p, vitals.get(p.patientId) ?? [], this.options.vitalsMaxAgeMs));
    return views.sort(byUrgency);
  }

  /** The NEWS2 of the patient's current vitals, as the alerts see it. */
  news2Of(patientId: string): News2Result {
    const patient = this.store.patient(patientId);
    const { measurements } = currentVitals(this.store.latestVitals(patientId), this.options.vitalsMaxAgeMs);
    return scoreNews2(measurements, { spo2Scale: patient?.spo2Scale ?? 1 });
  }

  /** True when the reading was new to this service. Runs inside the batch transaction. */
  private applyReading(reading: Reading): boolean {
    const source: Source = { id: readingId(reading.deviceId, reading.seq), deviceId: reading.deviceId, seq: reading.seq };
    if (!this.store.markProcessed(source.id, Date.now())) return false;
    this.store.touchPatient(reading.patientId, reading.deviceTime, Date.now());
    let changed = false;
    for (const [code, value] of Object.entries(reading.measurements)) {
      if (!isMeasurementCode(code) || typeof value !== 'number' || !Number.isFinite(value)) continue;
      const kept = this.store.recordVital({
        patientId: reading.patientId,
        code,
        value,
        deviceTime: reading.deviceTime,
        deviceId: reading.deviceId,
        seq: reading.seq,
        sourceId: source.id,
      });
      changed ||= kept;
    }
    // A reading older than everything kept changes no vital, hence no score.
    if (changed) this.evaluate(reading.patientId, source);
    return true;
  }

  /** Scores the patient and applies the policy's decision, with its event in the outbox. */
  private evaluate(patientId: string, source: Source): void {
    const score = this.news2Of(patientId);
    const active = this.store.activeAlert(patientId, NEWS2_ALERT_TYPE);
    const decision = decideNews2Alert(active, score);
    if (decision.kind === 'none') return;
    const now = Date.now();
    let alert: AlertRecord;
    if (decision.kind === 'raise') {
      alert = {
        // Derived from the raising source: deterministic, so even a replay that got past the
        // processed-sources check would hit the same primary key, not a second alert.
        alertId: `${NEWS2_ALERT_TYPE}:${patientId}:${source.id}`,
        patientId,
        type: NEWS2_ALERT_TYPE,
        priority: decision.priority,
        state: 'active',
        summary: decision.summary,
        score: decision.score,
        evidence: decision.evidence,
        raisedBy: source.id,
        updatedBy: source.id,
        clearedBy: null,
        raisedAt: now,
        updatedAt: now,
        clearedAt: null,
      };
    } else if (decision.kind === 'update') {
      alert = { ...active!, ...decision, updatedBy: source.id, updatedAt: now };
    } else {
      alert = { ...active!, state: 'cleared', summary: decision.summary, score: decision.score, updatedBy: source.id, updatedAt: now, clearedBy: source.id, clearedAt: now };
    }
    this.store.saveAlert(alert);
    this.store.enqueueEvent(patientId, toEvent(alert));
    this.logger.log(`${alert.type} alert ${PAST[decision.kind]} (${alert.priority})${source.deviceId ? ` on a reading from device ${source.deviceId}` : ''}`);
  }

  /** Publishes the outbox in order; one run at a time so an event never leaves twice concurrently. */
  private publishPending(): Promise<void> {
    const run = this.publishing.then(async () => {
      for (let pending = this.store.pendingEvents(100); pending.length > 0; pending = this.store.pendingEvents(100)) {
        for (const { id, key, event } of pending) {
          await this.bus.publish<AlertEvent>(busTopics.alerts, key, event);
          this.store.deleteEvent(id);
        }
      }
    });
    this.publishing = run.catch(() => undefined);
    return run;
  }

  private prune(): void {
    const removed = this.store.pruneProcessed(Date.now() - PROCESSED_RETENTION_MS);
    if (removed > 0) this.logger.debug(`forgot ${removed} applied reading ids`);
  }

  /** `GET /api/health`: counts and positions, never patient data. */
  health(): ComponentHealth {
    const pendingEvents = this.store.countPendingEvents();
    const lastReadingProcessedAt = this.store.lastProcessedAt();
    // Down when not consuming; degraded while a failed batch is retried or events wait for the bus.
    const status = this.subscription === undefined ? 'down' : this.lastBatchFailed || pendingEvents > 0 ? 'degraded' : 'up';
    return {
      status,
      detail: {
        patients: this.store.countPatients(),
        activeAlerts: this.store.countActiveAlerts(),
        pendingEvents,
        lastReadingProcessedAt: lastReadingProcessedAt ?? null,
        lag: this.bus.lag(busTopics.readings, ALERTS_CONSUMER_GROUP),
      },
    };
  }
}

export function toEvent(alert: AlertRecord): AlertEvent {
  return {
    alertId: alert.alertId,
    patientId: alert.patientId,
    type: alert.type,
    priority: alert.priority,
    state: alert.state,
    summary: alert.summary,
    ...(alert.score === null ? {} : { score: alert.score }),
    readingId: alert.state === 'cleared' ? alert.clearedBy! : alert.updatedBy,
    raisedAt: alert.raisedAt,
    updatedAt: alert.updatedAt,
  };
}

/** The edge check of a bus message: ingest publishes `Reading`s, anything else is skipped. */
function asReading(value: unknown): Reading | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<Reading>;
  const ok =
    typeof r.deviceId === 'string' &&
    ID_PATTERN.test(r.deviceId) &&
    Number.isSafeInteger(r.seq) &&
    typeof r.patientId === 'string' &&
    ID_PATTERN.test(r.patientId) &&
    Number.isSafeInteger(r.deviceTime) &&
    typeof r.measurements === 'object' &&
    r.measurements !== null;
  return ok ? (r as Reading) : undefined;
}
