import { Injectable, Logger } from '@nestjs/common';
import { Bus, BusMessage, Subscription } from '@pulseproof/bus';
import { DeviceStatusEvent, ID_PATTERN, busTopics } from '@pulseproof/contracts';
import { EscalationScheduler } from '../lifecycle/escalation.scheduler';
import { OutboxPublisher } from '../lifecycle/outbox.publisher';
import { PatientStateStore } from '../patient-state.store';
import { TechnicalAlarms } from '../rules/technical.alarms';
import { ALERTS_CONSUMER_GROUP } from './readings.consumer';

const STATES = new Set(['online', 'offline', 'silent']);

/**
 * `vitals.devicestatus` (ingest's liveness): a device gone `silent` raises the patient's `no-data`
 * technical alarm, `online` ends it (see TechnicalAlarms for why `offline` alone does not). The patient is the event's, or else the one
 * the device last reported for; an event for a device never seen with a patient is skipped.
 */
@Injectable()
export class DeviceStatusConsumer {
  private readonly logger = new Logger('AlertsDeviceStatus');

  constructor(
    private readonly bus: Bus,
    private readonly store: PatientStateStore,
    private readonly technical: TechnicalAlarms,
    private readonly publisher: OutboxPublisher,
    private readonly escalation: EscalationScheduler,
  ) {}

  subscribe(): Subscription {
    return this.bus.subscribe<unknown>(busTopics.deviceStatus, ALERTS_CONSUMER_GROUP, (batch) => this.handleBatch(batch));
  }

  async handleBatch(batch: readonly BusMessage<unknown>[]): Promise<void> {
    let skipped = 0;
    this.store.transaction(() => {
      for (const message of batch) {
        const event = asDeviceStatus(message.value);
        const patientId = event && (event.patientId ?? this.store.devicePatient(event.deviceId)?.patientId);
        if (!event || !patientId) {
          skipped++;
          continue;
        }
        const id = `status:${event.deviceId}:${event.state}:${event.at}`;
        if (!this.store.markProcessed(id, Date.now())) continue;
        this.technical.onDeviceStatus(event, patientId, this.store.rules.rulesOf(patientId).rules, { id, deviceId: event.deviceId });
      }
    });
    if (skipped > 0) this.logger.debug(`skipped ${skipped} device status events without a known patient`);
    this.escalation.arm();
    await this.publisher.publishPending();
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
