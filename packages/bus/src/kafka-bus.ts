import { Admin, Consumer, EachBatchPayload, Kafka, KafkaConfig, logCreator, logLevel, Partitioners, Producer } from 'kafkajs';
import { BatchHandler, Bus, BusMessage, SubscribeOptions, Subscription } from './bus';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  /** kafkajs client id: names this process in broker logs and quotas */
  readonly clientId: string;
  /** created at connect() when missing, each with `partitions` partitions (existing topics are left as they are) */
  readonly topics: readonly string[];
  /** partitions per topic: the most consumers of one group that can share a topic */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** how often lag() figures are refreshed from the brokers, ms (lag() is synchronous: it reads the cache) */
  readonly lagRefreshMs?: number;
  /** wait after a failed handler before the batch is tried again, ms (doubles up to 30 s) */
  readonly retryDelayMs?: number;
  /** a consumer that misses heartbeats this long is dropped from its group and its partitions move, ms */
  readonly sessionTimeoutMs?: number;
  readonly onHandlerError?: (topic: string, group: string, error: unknown) => void;
  /**
   * A message that is not JSON was skipped (see `KafkaBus`, "not JSON"). `reason` names the position
   * and size only: the bytes themselves may be anything, patient data included, and are never logged.
   */
  readonly onSkipped?: (topic: string, group: string, reason: string) => void;
  /** kafkajs's own log lines (connection trouble, rebalances); default: errors only, to stderr */
  readonly logLevel?: logLevel;
}

/**
 * kafkajs's log lines, one per line on stderr, without `[Connection] Response ...` errors: those are
 * protocol answers kafkajs acts on itself (a rebalance in progress, a topic that already exists,
 * a retriable leader change), logged at ERROR level by kafkajs though nothing is wrong.
 */
export const kafkaLogCreator: logCreator = () => ({ namespace, level, label, log }) => {
  if (level === logLevel.ERROR && namespace === 'Connection' && log.message.startsWith('Response ')) return;
  process.stderr.write(`kafkajs ${label} [${namespace}] ${log.message}${log['error'] ? `: ${String(log['error'])}` : ''}\n`);
};

/** The Kafka consumer group of a bus group on one topic (see `KafkaBus`, "one group per topic"). */
export function kafkaGroupId(group: string, topic: string): string {
  return `${group}.${topic}`;
}

/**
 * The distributed bus: the Bus port on Apache Kafka through kafkajs, with the SqliteBus's semantics.
 *
 * Why not `@nestjs/microservices`' Kafka transport: it calls one `@EventPattern` handler per message
 * and commits offsets on its own schedule (kafkajs autoCommit), so an offset can move past a message
 * whose effects are not yet durable, and handlers lose the batches the services group-commit on
 * (readings stored once per batch, one anchor leaf append per batch). The services already talk
 * through the Bus port; implementing that port on kafkajs keeps the same handler code in both modes
 * and gives the promise the port makes: a group's offset moves only after its handler resolved.
 *
 * - publish: an idempotent producer with acks=-1 (every in-sync replica has the message before it
 *   resolves); calls made in the same tick go out as one produce request. The key picks the
 *   partition (murmur2, Kafka's default partitioner), so one patient's readings stay in order.
 * - subscribe: `eachBatch` with autoCommit off; a fetched batch is cut into `maxBatch` slices, each
 *   handed to the handler and committed (offset of its last message + 1) only once it resolved. A
 *   failing handler gets the same slice again after a back-off; nothing is skipped. A rebalance
 *   during the back-off gives the partition, from its committed offset, to its new owner.
 * - One batch at a time per subscription (kafkajs `partitionsConsumedConcurrently: 1`: one worker
 *   for all the partitions this member owns), as the SqliteBus calls a handler: handlers keep
 *   per-call state (one transaction per batch, an outbox run) and are written for that.
 * - Not JSON: every PulseProof producer writes JSON through `publish`, so a value that does not
 *   parse comes from a foreign producer and would fail the same way on every retry, stopping its
 *   partition for good. It is skipped before the handler sees the slice, counted (`skippedMessages`)
 *   and reported through `onSkipped` with its position; the rest of the slice is handled as usual.
 * - One group per topic: a bus group subscribes topic by topic (alerts reads readings, device status
 *   and dead letters with three subscriptions), while kafkajs's assigners expect every member of a
 *   Kafka group to subscribe to the same topics. So bus group G on topic T is Kafka group `G.T`;
 *   positions are per (group, topic) in the SqliteBus too.
 */
export class KafkaBus extends Bus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly consumers = new Set<KafkaConsumerLoop>();
  private readonly lags = new Map<string, { topic: string; group: string; lag: number }>();
  private readonly lagTimer: NodeJS.Timeout;
  private pending: { topic: string; key: string; value: string; done: (error?: unknown) => void }[] = [];
  private flushScheduled = false;
  private closed = false;
  private skipped = 0;

  private constructor(private readonly options: KafkaBusOptions) {
    super();
    const config: KafkaConfig = {
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: options.logLevel ?? logLevel.ERROR,
      logCreator: kafkaLogCreator,
      // about 10 s of attempts before connect() gives up (a start fails with one line, not minutes later)
      retry: { initialRetryTime: 300, retries: 5 },
    };
    this.kafka = new Kafka(config);
    // maxInFlightRequests 1: with retries, a second request in flight could land before a retried first
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    this.admin = this.kafka.admin();
    this.lagTimer = setInterval(() => void this.refreshLags(), options.lagRefreshMs ?? 5_000);
    this.lagTimer.unref();
  }

  /** Connects the producer and admin client and creates the missing topics; rejects when no broker answers. */
  static async connect(options: KafkaBusOptions): Promise<KafkaBus> {
    const bus = new KafkaBus(options);
    try {
      await bus.admin.connect();
      await bus.admin.createTopics({
        waitForLeaders: true,
        topics: options.topics.map((topic) => ({
          topic,
          numPartitions: options.partitions ?? 12,
          replicationFactor: options.replicationFactor ?? 1,
        })),
      });
      await bus.producer.connect();
    } catch (error) {
      await bus.close().catch(() => undefined);
      throw error;
    }
    return bus;
  }

  publish<T>(topic: string, key: string, value: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the Kafka bus is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ topic, key, value: JSON.stringify(value), done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const m of batch) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ key: m.key, value: m.value });
      byTopic.set(m.topic, list);
    }
    try {
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      for (const m of batch) m.done();
    } catch (error) {
      // the publishers retry (ingest withholds the PUBACK): the idempotent producer keeps retries from duplicating
      for (const m of batch) m.done(error ?? new Error('Kafka produce failed'));
    }
  }

  subscribe<T>(topic: string, group: string, handler: BatchHandler<T>, options: SubscribeOptions = {}): Subscription {
    const loop = new KafkaConsumerLoop(
      this.kafka.consumer({ groupId: kafkaGroupId(group, topic), sessionTimeout: this.options.sessionTimeoutMs ?? 30_000, heartbeatInterval: 3_000 }),
      topic,
      group,
      handler as BatchHandler<unknown>,
      {
        maxBatch: options.maxBatch ?? 500,
        retryDelayMs: this.options.retryDelayMs ?? 250,
        onError: (error) => this.options.onHandlerError?.(topic, group, error),
        onSkipped: (reason) => {
          this.skipped += 1;
          this.options.onSkipped?.(topic, group, reason);
        },
      },
    );
    this.consumers.add(loop);
    this.trackLag(topic, group);
    loop.start();
    return {
      stop: async () => {
        await loop.stop();
        this.consumers.delete(loop);
      },
    };
  }

  /** Messages skipped since start because they were not JSON (every subscription of this bus). */
  get skippedMessages(): number {
    return this.skipped;
  }

  /** From the last refresh (every lagRefreshMs): messages in the topic past the group's committed offsets. */
  lag(topic: string, group: string): number {
    return this.trackLag(topic, group).lag;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.lagTimer);
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    if (this.pending.length > 0) await this.flush();
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  private trackLag(topic: string, group: string): { topic: string; group: string; lag: number } {
    const id = kafkaGroupId(group, topic);
    let entry = this.lags.get(id);
    if (!entry) {
      entry = { topic, group, lag: 0 };
      this.lags.set(id, entry);
      void this.refreshLag(entry);
    }
    return entry;
  }

  private async refreshLags(): Promise<void> {
    for (const entry of this.lags.values()) await this.refreshLag(entry);
  }

  private async refreshLag(entry: { topic: string; group: string; lag: number }): Promise<void> {
    if (this.closed) return;
    try {
      const [ends, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(entry.topic),
        this.admin.fetchOffsets({ groupId: kafkaGroupId(entry.group, entry.topic), topics: [entry.topic] }),
      ]);
      const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      entry.lag = ends.reduce((sum, p) => {
        const position = at.get(p.partition) ?? -1;
        // -1: the group has committed nothing on this partition yet and will start from its beginning
        return sum + Number(p.high) - (position < 0 ? Number(p.low) : position);
      }, 0);
    } catch {
      // keep the last figure: the next refresh tries again, and the consumers report their own trouble
    }
  }
}

/** One subscription: a kafkajs consumer in the group's Kafka group, handing slices of fetched batches to the handler. */
class KafkaConsumerLoop {
  private running = false;
  private started: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly group: string,
    private readonly handler: BatchHandler<unknown>,
    private readonly options: { maxBatch: number; retryDelayMs: number; onError: (error: unknown) => void; onSkipped: (reason: string) => void },
  ) {}

  start(): void {
    this.running = true;
    this.started = this.run().catch((error: unknown) => this.options.onError(error));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.started;
    // disconnect waits for the batch in hand, then leaves the group (its partitions move at once)
    await this.consumer.disconnect().catch(() => undefined);
  }

  /** Joins the group; a broker that cannot be reached yet is tried again (doubling to 30 s) until stop(). */
  private async run(): Promise<void> {
    let delay = this.options.retryDelayMs;
    while (this.running) {
      try {
        await this.consumer.connect();
        // a group that never committed starts at the beginning, as a new SqliteBus group starts at offset 0
        await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
        if (!this.running) return;
        // from here kafkajs rejoins and refetches by itself after retriable failures (restartOnFailure)
        await this.consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          // one eachBatch at a time across every partition this member owns (one kafkajs worker):
          // handlers are written for one batch at a time, as the SqliteBus calls them
          partitionsConsumedConcurrently: 1,
          eachBatch: (payload) => this.eachBatch(payload),
        });
        return;
      } catch (error) {
        this.options.onError(error);
        await this.consumer.disconnect().catch(() => undefined);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  private async eachBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const messages = batch.messages;
    for (let start = 0; start < messages.length; start += this.options.maxBatch) {
      const slice = messages.slice(start, start + this.options.maxBatch);
      const busMessages: BusMessage<unknown>[] = [];
      for (const m of slice) {
        const value = parseJson(m.value);
        if (value === NOT_JSON) {
          this.options.onSkipped(`skipped ${batch.topic} ${batch.partition}:${m.offset} (${m.value?.length ?? 0} bytes): not JSON, so not from a PulseProof producer`);
          continue;
        }
        busMessages.push({ topic: batch.topic, key: m.key?.toString() ?? '', value, offset: `${batch.partition}:${m.offset}` });
      }
      let retryDelay = this.options.retryDelayMs;
      for (;;) {
        if (busMessages.length === 0) break; // nothing but skipped messages: commit past them
        if (!this.running || !isRunning() || isStale()) return; // uncommitted: whoever owns the partition next starts here
        try {
          await this.handler(busMessages);
          break;
        } catch (error) {
          this.options.onError(error);
          // the group is rebalancing: leave the batch uncommitted so kafkajs rejoins now, rather than
          // holding every member of the group up for the rebalance timeout while this handler fails
          if (!(await sleepWithHeartbeat(retryDelay, heartbeat, () => this.running && isRunning() && !isStale()))) return;
          retryDelay = Math.min(retryDelay * 2, 30_000);
        }
      }
      const last = slice[slice.length - 1]!.offset;
      resolveOffset(last);
      await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(BigInt(last) + 1n) }] }] });
      await heartbeat();
    }
  }
}

const NOT_JSON = Symbol('not JSON');

/** The value as JSON; a tombstone (null value) is JSON null. Never throws. */
function parseJson(value: Buffer | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value.toString()) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/** Heartbeat errors that mean this member must rejoin the group: its partitions may be moving. */
const REJOIN = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION']);

/**
 * Waits `ms`, heartbeating each second so a long back-off does not cost the group membership.
 * Resolves false when the group is rebalancing (or this member was dropped from it): the caller
 * must give the batch up, uncommitted, and let kafkajs rejoin.
 */
async function sleepWithHeartbeat(ms: number, heartbeat: () => Promise<void>, keepGoing: () => boolean): Promise<boolean> {
  const until = Date.now() + ms;
  while (keepGoing() && Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(1_000, until - Date.now())));
    try {
      await heartbeat();
    } catch (error) {
      if (REJOIN.has((error as { type?: string }).type ?? '')) return false;
    }
  }
  return true;
}
