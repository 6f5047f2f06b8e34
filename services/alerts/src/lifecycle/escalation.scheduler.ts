import { Inject, Injectable, Logger } from '@nestjs/common';
import { ALERTS_CLOCK, AlertsClock } from '../clock';
import { PatientStateStore } from '../patient-state.store';
import { AlertLifecycle } from './alert-lifecycle';
import { OutboxPublisher } from './outbox.publisher';

/** setTimeout's longest delay; a later due time is re-armed when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const RETRY_MS = 1000;

/**
 * Escalates active alerts left unacknowledged past their step. The due time of each alert's next
 * step is in SQLite (alerts.next_escalation_at), so a restart loses no timer: on start the steps
 * that fell due while the process was down run at once. One timer at a time, for the earliest.
 */
@Injectable()
export class EscalationScheduler {
  private readonly logger = new Logger('EscalationScheduler');
  private timer: unknown;
  private armedFor: number | undefined;
  private running = false;

  constructor(
    private readonly store: PatientStateStore,
    private readonly lifecycle: AlertLifecycle,
    private readonly publisher: OutboxPublisher,
    @Inject(ALERTS_CLOCK) private readonly clock: AlertsClock,
  ) {}

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }

  /** Sets the timer for the earliest due step; call after any change to alerts. Cheap when nothing moved. */
  arm(): void {
    if (!this.running) return;
    const due = this.store.alerts.nextEscalationAt();
    if (due === this.armedFor) return;
    this.disarm();
    if (due === undefined) return;
    this.armedFor = due;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.min(MAX_TIMER_MS, Math.max(0, due - this.clock.now())));
  }

  /** Escalates every alert whose step is due now. Returns how many were escalated. */
  runDue(): number {
    const escalated = this.store.transaction(() => {
      const due = this.store.alerts.dueEscalations(this.clock.now());
      for (const alert of due) this.lifecycle.escalate(alert);
      return due.length;
    });
    if (escalated > 0) this.publisher.publishPending().catch((error: unknown) => this.logger.error(`escalation events not published yet: ${String(error)}`));
    return escalated;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = undefined;
    if (!this.running) return;
    try {
      this.runDue();
    } catch (error) {
      this.logger.error(`escalation failed, retrying in ${RETRY_MS} ms: ${String(error)}`);
      this.timer = this.clock.setTimeout(() => this.fire(), RETRY_MS);
      return;
    }
    this.arm();
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = undefined;
  }
}
