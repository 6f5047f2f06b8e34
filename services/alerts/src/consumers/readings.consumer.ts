import { Injectable, Logger } from '@nestjs/common';
import { Bus, BusMessage, Subscription } from '@pulseproof/bus';
import { ID_PATTERN, Reading, busTopics, isMeasurementCode, readingId } from '@pulseproof/contracts';
import { ChangeSource } from '../lifecycle/alert-lifecycle';
import { EscalationScheduler } from '../lifecycle/escalation.scheduler';
import { OutboxPublisher } from '../lifecycle/outbox.publisher';
import { PatientStateStore } from '../patient-state.store';
import { News2Evaluator } from '../rules/news2.evaluator';
import { PhysiologicalRules } from '../rules/physiological.rules';
import { TechnicalAlarms } from '../rules/technical.alarms';

/** The consumer group of this service on every topic it reads. */
export const ALERTS_CONSUMER_GROUP = 'alerts';

/**
 * `vitals.readings`: keeps each patient's latest vitals, scores NEWS2 and runs the patient's rules
 * on every reading. Idempotent: a reading is applied at most once (its id is recorded in the same
 * transaction as its effects: vitals, rule state, alerts, history and outbox events).
 */
@Injectable()
export class ReadingsConsumer {
  private readonly logger = new Logger('AlertsReadings');
  lastBatchFailed = false;

  constructor(
    private readonly bus: Bus,
    private readonly store: PatientStateStore,
    private readonly news2: News2Evaluator,
    private readonly physiological: PhysiologicalRules,
    private readonly technical: TechnicalAlarms,
    private readonly publisher: OutboxPublisher,
    private readonly escalation: EscalationScheduler,
  ) {}

  subscribe(): Subscription {
    return this.bus.subscribe<unknown>(busTopics.readings, ALERTS_CONSUMER_GROUP, (batch) => this.handleBatch(batch));
  }

  /** Applies one batch in one transaction, then publishes the alert events it produced. */
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
          if (this.apply(reading)) applied++;
        }
      });
      this.escalation.arm();
      await this.publisher.publishPending();
      this.lastBatchFailed = false;
      this.logger.debug(`applied ${applied} of ${batch.length} readings`);
    } catch (error) {
      this.lastBatchFailed = true;
      this.logger.error(`batch of ${batch.length} readings failed, will be retried: ${String(error)}`);
      throw error;
    }
  }

  /** True when the reading was new to this service. Runs inside the batch transaction. */
  private apply(reading: Reading): boolean {
    const source: ChangeSource = { id: readingId(reading.deviceId, reading.seq), deviceId: reading.deviceId };
    if (!this.store.markProcessed(source.id, Date.now())) return false;
    this.store.touchPatient(reading.patientId, reading.deviceTime, Date.now());
    this.store.recordDevicePatient(reading.deviceId, reading.patientId, reading.receivedAt);
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
    if (changed) this.news2.evaluate(reading.patientId, source);
    const rules = this.store.rules.rulesOf(reading.patientId).rules;
    this.physiological.onReading(reading, rules, source);
    this.technical.onReading(reading, rules, source);
    return true;
  }
}

/** The edge check of a bus message: ingest publishes `Reading`s, anything else is skipped. */
export function asReading(value: unknown): Reading | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<Reading>;
  const ok =
    typeof r.deviceId === 'string' &&
    ID_PATTERN.test(r.deviceId) &&
    Number.isSafeInteger(r.seq) &&
    typeof r.patientId === 'string' &&
    ID_PATTERN.test(r.patientId) &&
    Number.isSafeInteger(r.deviceTime) &&
    Number.isSafeInteger(r.receivedAt) &&
    typeof r.measurements === 'object' &&
    r.measurements !== null;
  return ok ? (r as Reading) : undefined;
}
