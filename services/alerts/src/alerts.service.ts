import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, Subscription } from '@pulseproof/bus';
import { ComponentHealth, HealthReporter, ID_PATTERN, busTopics } from '@pulseproof/contracts';
import { ALERTS_OPTIONS, ResolvedAlertsOptions } from './config';
import { ALERTS_CONSUMER_GROUP, ReadingsConsumer } from './consumers/readings.consumer';
import { TechnicalEventsConsumer } from './consumers/technical-events.consumer';
import { AlertsError } from './errors';
import { AlertLifecycle } from './lifecycle/alert-lifecycle';
import { AlertQuery } from './lifecycle/alert.store';
import { EscalationScheduler } from './lifecycle/escalation.scheduler';
import { OutboxPublisher } from './lifecycle/outbox.publisher';
import { News2Result } from './news2';
import { PatientStateStore } from './patient-state.store';
import { News2Evaluator } from './rules/news2.evaluator';
import { AlertDetailView, AlertView, PatientView, byUrgency, groupByPatient, toAlertView, toPatientView } from './patient-views';

/** How long an applied message id is remembered; redeliveries come within minutes, not days. */
const PROCESSED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * The alerts component as the app sees it: starts and stops the consumers and the escalation
 * timer, answers the queries of the controllers, acknowledges, and reports health.
 */
@Injectable()
export class AlertsService implements OnApplicationBootstrap, OnApplicationShutdown, HealthReporter {
  readonly component = 'alerts';
  private readonly logger = new Logger('AlertsService');
  private subscriptions: Subscription[] = [];
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly store: PatientStateStore,
    @Inject(ALERTS_OPTIONS) private readonly options: ResolvedAlertsOptions,
    private readonly readings: ReadingsConsumer,
    private readonly technicalEvents: TechnicalEventsConsumer,
    private readonly lifecycle: AlertLifecycle,
    private readonly escalation: EscalationScheduler,
    private readonly publisher: OutboxPublisher,
    private readonly news2: News2Evaluator,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    // Events committed before a crash but not yet published leave first.
    await this.publisher.publishPending().catch((error: unknown) => this.logger.error(`alert events not published yet: ${String(error)}`));
    // Escalation steps that fell due while the process was down run now.
    this.escalation.start();
    this.subscriptions = [this.readings.subscribe(), ...this.technicalEvents.subscribe()];
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.escalation.stop();
    await Promise.all(this.subscriptions.map((s) => s.stop()));
    this.subscriptions = [];
    await this.publisher.idle();
    this.store.close();
  }

  /** Alerts, newest raised first. */
  listAlerts(query: AlertQuery): AlertView[] {
    return this.store.alerts.listAlerts(query).map(toAlertView);
  }

  /** One alert with its full history; ALERTS_E_NOT_FOUND when there is none. */
  alert(alertId: string): AlertDetailView {
    const alert = this.store.alerts.alert(alertId);
    if (!alert) throw new AlertsError('ALERTS_E_NOT_FOUND', `no alert ${alertId.slice(0, 200)}`);
    return { alert: toAlertView(alert), history: this.store.alerts.history(alertId) };
  }

  /** Acknowledges (idempotent: a second acknowledgement keeps the first); never reactivates a cleared alert. */
  async acknowledge(alertId: string, by: unknown): Promise<AlertDetailView> {
    const { changed } = this.lifecycle.acknowledge(alertId, by);
    if (changed) {
      this.escalation.arm();
      await this.publisher.publishPending();
    }
    return this.alert(alertId);
  }

  /** Every patient seen, the highest NEWS2 first so that deteriorating patients rise to the top. */
  listPatients(): PatientView[] {
    const vitals = groupByPatient(this.store.latestVitals());
    const views = this.store.patients().map((p) => toPatientView(p, vitals.get(p.patientId) ?? [], this.options.vitalsMaxAgeMs));
    return views.sort(byUrgency);
  }

  patient(patientId: string): PatientView {
    const patient = ID_PATTERN.test(patientId) ? this.store.patient(patientId) : undefined;
    if (!patient) throw new AlertsError('ALERTS_E_NOT_FOUND', 'no such patient');
    return toPatientView(patient, this.store.latestVitals(patientId), this.options.vitalsMaxAgeMs);
  }

  /** The NEWS2 of the patient's current vitals, as the alerts see it (RCP 2017 Chart 1). */
  news2Of(patientId: string): News2Result {
    return this.news2.scoreOf(patientId).score;
  }

  private prune(): void {
    const removed = this.store.pruneProcessed(Date.now() - PROCESSED_RETENTION_MS);
    if (removed > 0) this.logger.debug(`forgot ${removed} applied message ids`);
  }

  /** `GET /api/health`: counts and positions, never patient data. */
  health(): ComponentHealth {
    const pendingEvents = this.store.countPendingEvents();
    const lastReadingProcessedAt = this.store.lastProcessedAt();
    // Down when not consuming; degraded while a failed batch is retried or events wait for the bus.
    const status = this.subscriptions.length === 0 ? 'down' : this.readings.lastBatchFailed || pendingEvents > 0 ? 'degraded' : 'up';
    return {
      status,
      detail: {
        patients: this.store.countPatients(),
        activeAlerts: this.store.alerts.countActiveAlerts(),
        pendingEvents,
        lastReadingProcessedAt: lastReadingProcessedAt ?? null,
        lag: this.bus.lag(busTopics.readings, ALERTS_CONSUMER_GROUP),
        deviceStatusLag: this.bus.lag(busTopics.deviceStatus, ALERTS_CONSUMER_GROUP),
        deadLetterLag: this.bus.lag(busTopics.deadLetters, ALERTS_CONSUMER_GROUP),
      },
    };
  }
}
