import { Injectable } from '@nestjs/common';
import { Bus } from '@pulseproof/bus';
import { AlertEvent, busTopics } from '@pulseproof/contracts';
import { PatientStateStore } from '../patient-state.store';

/**
 * Publishes the alert events that transactions left in the outbox, oldest first, deleting each once
 * the bus has it: a crash between commit and publish re-publishes rather than loses an event, so
 * events are at-least-once, identified by (alertId, updatedAt, change).
 */
@Injectable()
export class OutboxPublisher {
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: Bus,
    private readonly store: PatientStateStore,
  ) {}

  /** One run at a time, so an event never leaves twice concurrently. */
  publishPending(): Promise<void> {
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

  /** Resolves once the run in hand is over; for shutdown. */
  idle(): Promise<void> {
    return this.publishing;
  }
}
