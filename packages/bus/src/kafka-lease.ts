import { Admin, AssignerProtocol, Consumer, Kafka, logLevel, PartitionAssigner } from 'kafkajs';
import { kafkaLogCreator } from './kafka-bus';

export interface KafkaLeaseOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** the lease's name: its Kafka group and (with a `.lease` suffix) its one-partition topic */
  readonly name: string;
  /** a holder killed without leaving keeps the lease this long, ms */
  readonly sessionTimeoutMs?: number;
  /** called once while another member holds the lease and this one waits */
  readonly onWaiting?: () => void;
  /** called once when a held lease is taken away (a rebalance gave it to another member, or the consumer crashed) */
  readonly onLost?: (reason: string) => void;
}

const STRATEGY = 'pulseproof-lease';

/**
 * A single-holder lease from Kafka group membership: the members of one consumer group subscribe to
 * a one-partition topic, and whoever is assigned partition 0 holds the lease. Kafka's group
 * coordinator does the failure detection: a holder that stops heartbeating (kill -9, a partition)
 * is removed after the session timeout and the next member gets partition 0.
 *
 * The assignment is sticky: each member says in its join metadata whether it holds the lease, and
 * the assigner keeps partition 0 with the current holder, so a standby that joins does not take the
 * lease from a healthy holder (kafkajs's round-robin would hand it to the lowest member id).
 */
export class KafkaLease {
  private held = false;
  private released = false;

  private constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
  ) {}

  get isHeld(): boolean {
    return this.held && !this.released;
  }

  /** Resolves once this process holds the lease (waiting as long as another holder lives). */
  static async acquire(options: KafkaLeaseOptions): Promise<KafkaLease> {
    const kafka = new Kafka({ clientId: options.clientId, brokers: [...options.brokers], logLevel: logLevel.ERROR, logCreator: kafkaLogCreator });
    const topic = `${options.name}.lease`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    let lease: KafkaLease | undefined = undefined;
    const consumer = kafka.consumer({
      groupId: options.name,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 1_000,
      partitionAssigners: [stickyLeaseAssigner(topic, () => lease?.held ?? false)],
    });
    lease = new KafkaLease(consumer, admin);
    const self = lease;
    let waitingSaid = false;
    const acquired = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const holds = (payload.memberAssignment[topic] ?? []).includes(0);
        if (holds && !self.held) {
          self.held = true;
          resolve();
        } else if (!holds && self.held && !self.released) {
          self.held = false;
          options.onLost?.('a rebalance gave the lease to another member');
        } else if (!holds && !waitingSaid) {
          waitingSaid = true;
          options.onWaiting?.();
        }
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (self.released) return;
        if (self.held) {
          self.held = false;
          options.onLost?.(`the lease consumer crashed: ${payload.error.message}`);
        } else reject(payload.error);
      });
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      // nothing is ever written to the lease topic: membership is all that matters
      await consumer.run({ eachMessage: async () => undefined });
      await acquired;
    } catch (error) {
      await lease.release();
      throw error;
    }
    return lease;
  }

  /** Leaves the group at once (a standby takes over without waiting out the session). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.held = false;
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}

function stickyLeaseAssigner(topic: string, holding: () => boolean): PartitionAssigner {
  return () => ({
    name: STRATEGY,
    version: 1,
    protocol: ({ topics }) => ({
      name: STRATEGY,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(holding() ? 'holder' : 'standby') }),
    }),
    async assign({ members }) {
      const sorted = [...members].sort((a, b) => a.memberId.localeCompare(b.memberId));
      const holder =
        sorted.find((m) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData.toString() === 'holder') ?? sorted[0];
      return sorted.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: { [topic]: memberId === holder?.memberId ? [0] : [] },
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}
