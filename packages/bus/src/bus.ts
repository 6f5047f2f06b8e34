/**
 * The bus between services: topics of keyed messages, consumer groups, at-least-once delivery.
 *
 * Semantics every adapter keeps (the embedded SQLite log here, Kafka in the distributed mode):
 * - `publish` resolves only once the message is durable; a publisher that crashes before that
 *   resolves will publish again (handlers are idempotent, duplicates are expected).
 * - Each consumer group sees every message of a topic, in publish order per key.
 * - A group's position advances only after its handler resolved for the batch: a crash replays
 *   the batch, never skips it.
 */
export interface BusMessage<T> {
  readonly topic: string;
  readonly key: string;
  readonly value: T;
  /** position in the topic, increasing; opaque to handlers except for logging */
  readonly offset: string;
}

export type BatchHandler<T> = (messages: readonly BusMessage<T>[]) => Promise<void>;

export interface Subscription {
  /** stops delivery after the batch in hand; resolves once the handler is idle */
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  /** the most messages handed to the handler at once */
  readonly maxBatch?: number;
}

export abstract class Bus {
  abstract publish<T>(topic: string, key: string, value: T): Promise<void>;
  abstract subscribe<T>(topic: string, group: string, handler: BatchHandler<T>, options?: SubscribeOptions): Subscription;
  /** messages published but not yet handled by the group; what `GET /api/health` reports as lag */
  abstract lag(topic: string, group: string): number;
  abstract close(): Promise<void>;
}
