import { Logger } from '@nestjs/common';
import { DeliveryChannel, DeliveryRecord, DeliveryStore } from './delivery-store';
import { RetryPolicy, afterFailure } from './retry-policy';
import { SendResult } from './webhook-sender';

/** One way out of the outbox: how a delivery is sent, how often it is retried, how many at once. */
export interface DeliveryLane {
  readonly channel: DeliveryChannel;
  readonly policy: RetryPolicy;
  /** attempts in flight at once */
  readonly concurrency: number;
  /**
   * one attempt in flight per target, in the order enqueued (a retry holds back the target's later
   * deliveries): a patient's MQTT topic gets its events in order while other patients' go in parallel
   */
  readonly oneAtATimePerTarget: boolean;
  /** how the target may appear in a log line: never a patient id (in MQTT topics) nor a URL's query */
  describe(record: DeliveryRecord): string;
  send(record: DeliveryRecord): Promise<SendResult>;
}

/** Longest a timer is armed for (setTimeout takes a 32-bit delay); the pass re-arms it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Sends one channel's due deliveries from the outbox and records each outcome there, so a restart
 * resumes exactly where the last run stopped: an attempt cut short by a crash is made again
 * (at-least-once; receivers de-duplicate by event id). Woken when events are enqueued, when an
 * attempt ends, and by a timer at the next retry's due time.
 */
export class OutboxWorker {
  private readonly logger = new Logger('AlertDelivery');
  private readonly inFlight = new Set<number>();
  private readonly busyTargets = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private passQueued = false;
  private stopped = true;

  constructor(
    private readonly store: DeliveryStore,
    private readonly lane: DeliveryLane,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  get channel(): DeliveryChannel {
    return this.lane.channel;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Looks for due deliveries soon (coalesced: many wakes in one tick make one pass). */
  wake(): void {
    if (this.stopped || this.passQueued) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      this.pass();
    });
  }

  /** Stops starting attempts and waits for those in flight, whose outcomes are still recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.running]);
  }

  private pass(): void {
    if (this.stopped) return;
    let free = this.lane.concurrency - this.inFlight.size;
    let started = 0;
    if (free > 0) {
      for (const record of this.store.due(this.lane.channel, this.now(), this.inFlight.size + free, this.lane.oneAtATimePerTarget)) {
        if (free === 0) break;
        if (this.inFlight.has(record.id)) continue;
        if (this.lane.oneAtATimePerTarget && this.busyTargets.has(record.target)) continue;
        this.attempt(record);
        free--;
        started++;
      }
    }
    this.arm(started > 0);
  }

  /** Another pass when work is due now and a slot is free, else a timer for the next due time. */
  private arm(startedSome: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.store.nextDueAt(this.lane.channel, [...this.inFlight], this.lane.oneAtATimePerTarget);
    if (next === undefined) return;
    const delay = next - this.now();
    if (delay <= 0) {
      // Due work that could not start waits for a slot or for its target: the attempt that ends
      // first wakes the worker. With nothing in flight (work fell due since the pass looked), or
      // after progress with slots left, another pass now.
      if (this.inFlight.size === 0 || (startedSome && this.inFlight.size < this.lane.concurrency)) this.wake();
      return;
    }
    // +1: a timer may fire a millisecond before Date.now() reaches the due time
    this.timer = setTimeout(() => this.pass(), Math.min(delay + 1, MAX_TIMER_MS));
    this.timer.unref();
  }

  private attempt(record: DeliveryRecord): void {
    this.inFlight.add(record.id);
    this.busyTargets.add(record.target);
    const run = this.lane
      .send(record)
      .catch((error: unknown): SendResult => ({ ok: false, error: error instanceof Error ? error.message : String(error) }))
      .then((result) => this.record(record, result))
      .catch((error: unknown) => this.logger.error(`could not record the outcome of delivery #${record.id}: ${String(error)}`))
      .finally(() => {
        this.inFlight.delete(record.id);
        this.busyTargets.delete(record.target);
        this.running.delete(run);
        this.wake();
      });
    this.running.add(run);
  }

  private record(record: DeliveryRecord, result: SendResult): void {
    const at = this.now();
    const attempts = record.attempts + 1;
    if (result.ok) {
      this.store.markDelivered(record.id, at, result.status ?? null);
      if (attempts > 1) this.logger.log(`delivery #${record.id} (${this.lane.describe(record)}) delivered at attempt ${attempts}`);
      return;
    }
    const error = result.error ?? 'failed';
    const decision = afterFailure(this.lane.policy, attempts, record.createdAt, at, this.random);
    this.store.markAttemptFailed(record.id, at, result.status ?? null, decision.retry ? error : `${error}; ${decision.reason}`, decision.retry ? decision.at : undefined);
    if (decision.retry) {
      this.logger.warn(`delivery #${record.id} (${this.lane.describe(record)}) attempt ${attempts} failed (${error}); retry in ${decision.at - at} ms`);
    } else {
      this.logger.error(`delivery #${record.id} (${this.lane.describe(record)}) failed for good (${error}); ${decision.reason}`);
    }
  }
}
