import { Injectable, Logger } from '@nestjs/common';
import { Bus, BusMessage, Subscription } from '@pulseproof/bus';
import { DeadLetter, ID_PATTERN, busTopics } from '@pulseproof/contracts';
import { EscalationScheduler } from '../lifecycle/escalation.scheduler';
import { OutboxPublisher } from '../lifecycle/outbox.publisher';
import { PatientStateStore } from '../patient-state.store';
import { IMPLAUSIBLE_REASON, TechnicalAlarms } from '../rules/technical.alarms';
import { ALERTS_CONSUMER_GROUP } from './readings.consumer';

/**
 * `vitals.deadletters`: only INGEST_E_IMPLAUSIBLE concerns alerts (the `implausible` technical
 * alarm). A dead letter names the device, not the patient: it goes to the patient the device last
 * reported for, and is skipped for a device never seen with a patient. Other reasons (schema, auth,
 * duplicates) are the device maintainers' business, listed by ingest's dead-letter API.
 */
@Injectable()
export class DeadLettersConsumer {
  private readonly logger = new Logger('AlertsDeadLetters');

  constructor(
    private readonly bus: Bus,
    private readonly store: PatientStateStore,
    private readonly technical: TechnicalAlarms,
    private readonly publisher: OutboxPublisher,
    private readonly escalation: EscalationScheduler,
  ) {}

  subscribe(): Subscription {
    return this.bus.subscribe<unknown>(busTopics.deadLetters, ALERTS_CONSUMER_GROUP, (batch) => this.handleBatch(batch));
  }

  async handleBatch(batch: readonly BusMessage<unknown>[]): Promise<void> {
    let unattributed = 0;
    this.store.transaction(() => {
      for (const message of batch) {
        const letter = message.value as Partial<DeadLetter> | null;
        if (typeof letter !== 'object' || letter === null || letter.reason !== IMPLAUSIBLE_REASON) continue;
        if (typeof letter.deviceId !== 'string' || !ID_PATTERN.test(letter.deviceId) || !Number.isSafeInteger(letter.receivedAt)) continue;
        const patientId = this.store.devicePatient(letter.deviceId)?.patientId;
        if (!patientId) {
          unattributed++;
          continue;
        }
        const id = `dead-letter:${letter.deviceId}:${letter.receivedAt}`;
        if (!this.store.markProcessed(id, Date.now())) continue;
        const rules = this.store.rules.rulesOf(patientId).rules;
        this.technical.onImplausible(letter as DeadLetter & { deviceId: string }, patientId, rules, { id, deviceId: letter.deviceId });
      }
    });
    if (unattributed > 0) this.logger.debug(`${unattributed} implausible readings from devices without a known patient`);
    this.escalation.arm();
    await this.publisher.publishPending();
  }
}
