import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, BusMessage, Subscription } from '@pulseproof/bus';
import { AlertEvent, ComponentHealth, HealthReporter, ID_PATTERN, busTopics, mqttTopics } from '@pulseproof/contracts';
import { AlertStream } from './alert-stream';
import { DELIVERY_OPTIONS, ResolvedDeliveryOptions, redactUrl } from './delivery.config';
import { DeliveryChannel, DeliveryRecord, DeliveryState, DeliveryStore, PRIORITY_RANK, StreamEntry } from './delivery-store';
import { DeliveryLane, OutboxWorker } from './outbox-worker';
import { postWebhook } from './webhook-sender';

/** The consumer group of delivery on `vitals.alerts`, apart from any other reader of alerts. */
export const ALERT_DELIVERY_CONSUMER_GROUP = 'alert-delivery';

/** Seen event ids and finished deliveries are kept this long (the deliveries API shows them). */
const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** health is degraded for this long after a delivery failed for good */
const RECENT_FAILURE_MS = 60 * 60 * 1000;

/** A delivery as `GET /api/alerts/deliveries` shows it: the URL redacted, the body left out. */
export interface DeliveryView {
  readonly id: number;
  readonly channel: DeliveryChannel;
  readonly target: string;
  readonly eventId: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly createdAt: string;
  readonly nextAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly finishedAt: string | null;
}

/** The body of every webhook request. */
export interface WebhookPayload {
  /** `<alertId>@<updatedAt>`, also in the PulseProof-Event-Id header: the receiver's de-duplication key */
  readonly id: string;
  /** `alert.raised`, `alert.updated`, `alert.escalated`, `alert.acknowledged` or `alert.cleared` */
  readonly type: string;
  readonly alert: AlertEvent;
}

/**
 * Takes every alert event from `vitals.alerts` (its own consumer group) and delivers it to the MQTT
 * consoles, the configured webhooks and the live stream.
 *
 * Idempotent per (alertId, updatedAt): the event is marked seen in the transaction that enqueues its
 * deliveries and its stream entry, and the bus commits the group's offset only after that
 * transaction, so a crash replays the batch and the replay enqueues nothing twice. Sending happens
 * from the outbox (OutboxWorker), never from the bus handler: a slow webhook does not hold up the
 * consoles or the stream.
 */
@Injectable()
export class AlertDeliveryService implements OnApplicationBootstrap, OnApplicationShutdown, HealthReporter {
  readonly component = 'alert-delivery';
  private readonly logger = new Logger('AlertDelivery');
  private readonly workers: OutboxWorker[] = [];
  private subscription: Subscription | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly store: DeliveryStore,
    private readonly stream: AlertStream,
    @Inject(DELIVERY_OPTIONS) private readonly options: ResolvedDeliveryOptions,
  ) {
    if (options.messaging) this.workers.push(new OutboxWorker(store, mqttLane(options)));
    if (options.webhooks) this.workers.push(new OutboxWorker(store, webhookLane(options)));
  }

  async onApplicationBootstrap(): Promise<void> {
    const urls = this.options.webhooks?.urls ?? [];
    const dropped = this.store.failPendingExcept('webhook', urls, Date.now(), 'the URL is no longer configured');
    if (dropped > 0) this.logger.warn(`${dropped} pending webhook deliveries failed: their URL is no longer configured`);
    if (!this.options.messaging) this.store.failPendingExcept('mqtt', [], Date.now(), 'MQTT delivery is no longer configured');
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    // Deliveries left pending by the last run go first.
    for (const worker of this.workers) worker.start();
    this.subscription = this.bus.subscribe<unknown>(busTopics.alerts, ALERT_DELIVERY_CONSUMER_GROUP, (batch) => this.handleBatch(batch));
    this.logger.log(
      `delivering alerts to ${[this.options.messaging ? 'MQTT consoles' : undefined, this.options.webhooks ? `${urls.length} webhook(s)` : undefined, 'the live stream'].filter(Boolean).join(', ')}`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.subscription?.stop();
    this.subscription = undefined;
    await Promise.all(this.workers.map((w) => w.stop()));
    this.store.close();
  }

  /** Takes one batch from `vitals.alerts`: enqueues each new event's deliveries, then sends. */
  async handleBatch(batch: readonly BusMessage<unknown>[]): Promise<void> {
    const now = Date.now();
    const entries: StreamEntry[] = [];
    this.store.transaction(() => {
      for (const message of batch) {
        const event = asAlertEvent(message.value);
        if (!event) {
          // Not retried: a malformed message would block the group forever.
          this.logger.warn(`skipped a malformed alert event at offset ${message.offset}`);
          continue;
        }
        if (!this.store.markSeen(event.alertId, event.updatedAt, now)) continue;
        const eventId = `${event.alertId}@${event.updatedAt}`;
        const json = JSON.stringify(event);
        const rank = PRIORITY_RANK[event.priority] ?? 1;
        if (this.options.messaging) this.store.enqueue('mqtt', mqttTopics.alerts(event.patientId), eventId, json, now, rank);
        if (this.options.webhooks) {
          const body = JSON.stringify({ id: eventId, type: `alert.${changeOf(event)}`, alert: event } satisfies WebhookPayload);
          for (const url of this.options.webhooks.urls) this.store.enqueue('webhook', url, eventId, body, now, rank);
        }
        entries.push(this.store.appendStream(event.patientId, json));
      }
      if (entries.length > 0) this.store.trimStream(this.options.stream.bufferSize);
    });
    // Same tick as the commit: a stream client opening now sees each entry once (AlertStream.open).
    for (const entry of entries) this.stream.publish(entry);
    for (const worker of this.workers) worker.wake();
  }

  /** Newest first; `GET /api/alerts/deliveries`. */
  listDeliveries(query: { readonly state?: DeliveryState; readonly channel?: DeliveryChannel; readonly limit: number }): DeliveryView[] {
    return this.store.list(query).map(toView);
  }

  /** `GET /api/health`: counts, never patient data or URLs' secrets. */
  health(): ComponentHealth {
    const now = Date.now();
    const counts = this.store.counts(now - RECENT_FAILURE_MS);
    const failedRecently = counts.lastFailedAt !== null && counts.lastFailedAt >= now - RECENT_FAILURE_MS;
    const status = this.subscription === undefined ? 'down' : counts.retrying > 0 || failedRecently ? 'degraded' : 'up';
    return {
      status,
      detail: {
        channels: { mqtt: this.options.messaging !== undefined, webhooks: this.options.webhooks?.urls.length ?? 0, stream: true },
        pending: counts.pending,
        retrying: counts.retrying,
        failedLastHour: counts.failed,
        deliveredLastHour: counts.delivered,
        oldestPendingAgeMs: counts.oldestPendingAt === null ? null : now - counts.oldestPendingAt,
        lastFailedAt: counts.lastFailedAt === null ? null : new Date(counts.lastFailedAt).toISOString(),
        streamClients: this.stream.connectedClients,
        lag: this.bus.lag(busTopics.alerts, ALERT_DELIVERY_CONSUMER_GROUP),
      },
    };
  }

  private prune(): void {
    const removed = this.store.prune(Date.now() - RETENTION_MS);
    if (removed > 0) this.logger.debug(`forgot ${removed} old event ids and finished deliveries`);
  }
}

function mqttLane(options: ResolvedDeliveryOptions): DeliveryLane {
  const messaging = options.messaging!;
  return {
    channel: 'mqtt',
    policy: options.mqttRetry,
    // a publish waits for the broker (aedes calls back once it has routed the message): patients in
    // parallel, each patient's events one after the other
    concurrency: 32,
    oneAtATimePerTarget: true,
    // the topic names the patient: logs name the channel only
    describe: () => 'mqtt',
    send: (record: DeliveryRecord) =>
      // QoS 1 [MQTT-4.3.2]: each console that subscribed with QoS >= 1 gets it at least once.
      // (a broker that throws instead of rejecting is a failed attempt too)
      Promise.resolve()
        .then(() => messaging.publish(record.target, record.body, { qos: 1, retain: false }))
        .then(
          () => ({ ok: true }),
          (error: unknown) => ({ ok: false, error: error instanceof Error ? error.message.slice(0, 200) : String(error) }),
        ),
  };
}

function webhookLane(options: ResolvedDeliveryOptions): DeliveryLane {
  const webhooks = options.webhooks!;
  return {
    channel: 'webhook',
    policy: webhooks.retry,
    concurrency: webhooks.concurrency,
    oneAtATimePerTarget: false,
    describe: (record) => `webhook ${redactUrl(record.target)}`,
    send: (record) => postWebhook(record.target, record.body, { secret: webhooks.secret, eventId: record.eventId, attempt: record.attempts + 1 }, webhooks.timeoutMs),
  };
}

function changeOf(event: AlertEvent): string {
  if (event.change) return event.change;
  if (event.state === 'cleared') return 'cleared';
  return event.updatedAt === event.raisedAt ? 'raised' : 'updated';
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toView(r: DeliveryRecord): DeliveryView {
  return {
    id: r.id,
    channel: r.channel,
    target: r.channel === 'webhook' ? redactUrl(r.target) : r.target,
    eventId: r.eventId,
    state: r.state,
    attempts: r.attempts,
    createdAt: new Date(r.createdAt).toISOString(),
    nextAttemptAt: r.state === 'pending' ? iso(r.nextAttemptAt) : null,
    lastAttemptAt: iso(r.lastAttemptAt),
    lastStatus: r.lastStatus,
    lastError: r.lastError,
    finishedAt: iso(r.finishedAt),
  };
}

/** The edge check of a bus message: what delivery relies on, the rest travels as it came. */
export function asAlertEvent(value: unknown): AlertEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Partial<AlertEvent>;
  const ok =
    typeof e.alertId === 'string' &&
    e.alertId.length > 0 &&
    e.alertId.length <= 512 &&
    typeof e.patientId === 'string' &&
    ID_PATTERN.test(e.patientId) &&
    typeof e.type === 'string' &&
    typeof e.priority === 'string' &&
    typeof e.state === 'string' &&
    typeof e.summary === 'string' &&
    Number.isSafeInteger(e.updatedAt);
  return ok ? (value as AlertEvent) : undefined;
}
