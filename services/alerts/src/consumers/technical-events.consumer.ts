import { Injectable, Logger } from '@nestjs/common';
import { Bus, BusMessage, Subscription } from '@pulseproof/bus';
import { DeadLetter, DeviceStatusEvent, ID_PATTERN, busTopics } from '@pulseproof/contracts';
import { EscalationScheduler } from '../lifecycle/escalation.scheduler';
import { OutboxPublisher } from '../lifecycle/outbox.publisher';
import { PatientStateStore } from '../patient-state.store';
import { IMPLAUSIBLE_REASON, TechnicalAlarms } from '../rules/technical.alarms';
import { ALERTS_CONSUMER_GROUP } from './readings.consumer';

const STATES = new Set(['online', 'offline', 'silent']);

/** One event of a technical topic: the id it is applied under once, and what applying it does. */
interface TechnicalEvent {
  readonly id: string;
  readonly deviceId: string;
  /** undefined: the device was never seen with a patient */
  readonly patientId: string | undefined;
  readonly apply: (patientId: string, source: { readonly id: string; readonly deviceId: string }) => void;
}

/**
 * The technical alarms' two topics from ingest. Both name a device, not always a patient: an event
 * goes to the patient the device last reported for, and is skipped for a device never seen with one.
 * - `vitals.devicestatus` (liveness): `silent` raises the patient's `no-data` alarm, `online` ends
 *   it (see TechnicalAlarms for why `offline` alone does not).
 * - `vitals.deadletters`: only INGEST_E_IMPLAUSIBLE concerns alerts (the `implausible` alarm);
 *   other reasons (schema, auth, duplicates) are the device maintainers' business, listed by
 *   ingest's dead-letter API.
 */
@Injectable()
export class TechnicalEventsConsumer {
  private readonly logger = new Logger('AlertsTechnicalEvents');

  constructor(
    private readonly bus: Bus,
    private readonly store: PatientStateStore,
    private readonly technical: TechnicalAlarms,
    private readonly publisher: OutboxPublisher,
    private readonly escalation: EscalationScheduler,
  ) {}

  subscribe(): Subscription[] {
    return [
      this.bus.subscribe<unknown>(busTopics.deviceStatus, ALERTS_CONSUMER_GROUP, (batch) => this.handleDeviceStatus(batch)),
      this.bus.subscribe<unknown>(busTopics.deadLetters, ALERTS_CONSUMER_GROUP, (batch) => this.handleDeadLetters(batch)),
    ];
  }

  handleDeviceStatus(batch: readonly BusMessage<unknown>[]): Promise<void> {
    return this.applyBatch(batch, 'device status events', (value) => {
      const event = asDeviceStatus(value);
      if (!event) return undefined;
      return {
        id: `status:${event.deviceId}:${event.state}:${event.at}`,
        deviceId: event.deviceId,
        patientId: event.patientId ?? this.lastPatientOf(event.deviceId),
        apply: (patientId, source) => this.technical.onDeviceStatus(event, patientId, this.rulesOf(patientId), source),
      };
    });
  }

  handleDeadLetters(batch: readonly BusMessage<unknown>[]): Promise<void> {
    return this.applyBatch(batch, 'implausible readings', (value) => {
      const letter = asImplausible(value);
      if (!letter) return null; // another reason (or malformed): not ours
      return {
        id: `dead-letter:${letter.deviceId}:${letter.receivedAt}`,
        deviceId: letter.deviceId,
        patientId: this.lastPatientOf(letter.deviceId),
        apply: (patientId, source) => this.technical.onImplausible(letter, patientId, this.rulesOf(patientId), source),
      };
    });
  }

  /**
   * One batch in one transaction, each event applied at most once, then escalation timers and the
   * outbox. `toEvent` gives null for a message that is not ours, undefined for a malformed one.
   */
  private async applyBatch(
    batch: readonly BusMessage<unknown>[],
    what: string,
    toEvent: (value: unknown) => TechnicalEvent | null | undefined,
  ): Promise<void> {
    let skipped = 0;
    this.store.transaction(() => {
      for (const message of batch) {
        const event = toEvent(message.value);
        if (event === null) continue;
        if (!event?.patientId) {
          skipped++;
          continue;
        }
        if (!this.store.markProcessed(event.id, Date.now())) continue;
        event.apply(event.patientId, { id: event.id, deviceId: event.deviceId });
      }
    });
    if (skipped > 0) this.logger.debug(`skipped ${skipped} ${what} without a known patient`);
    this.escalation.arm();
    await this.publisher.publishPending();
  }

  private lastPatientOf(deviceId: string): string | undefined {
    return this.store.devicePatient(deviceId)?.patientId;
  }

  private rulesOf(patientId: string) {
    return this.store.rules.rulesOf(patientId).rules;
  }
}

function asDeviceStatus(value: unknown): DeviceStatusEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Partial<DeviceStatusEvent>;
  const ok =
    typeof e.deviceId === 'string' &&
    ID_PATTERN.test(e.deviceId) &&
    typeof e.state === 'string' &&
    STATES.has(e.state) &&
    Number.isSafeInteger(e.at) &&
    (e.patientId === undefined || (typeof e.patientId === 'string' && ID_PATTERN.test(e.patientId)));
  return ok ? (e as DeviceStatusEvent) : undefined;
}

/** An implausible-value dead letter naming a valid device; null for any other reason. */
function asImplausible(value: unknown): (DeadLetter & { deviceId: string }) | null | undefined {
  const letter = value as Partial<DeadLetter> | null;
  if (typeof letter !== 'object' || letter === null || letter.reason !== IMPLAUSIBLE_REASON) return null;
  if (typeof letter.deviceId !== 'string' || !ID_PATTERN.test(letter.deviceId) || !Number.isSafeInteger(letter.receivedAt)) return null;
  return letter as DeadLetter & { deviceId: string };
}
