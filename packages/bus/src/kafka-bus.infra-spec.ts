import { Kafka, logLevel } from 'kafkajs';
import { busContract } from './bus.contract';
import { KafkaBus, kafkaGroupId } from './kafka-bus';
import { KafkaLease } from './kafka-lease';
import { KafkaBroker, startKafka } from './testing/kafka';

jest.setTimeout(120_000);

let kafka: KafkaBroker;
beforeAll(async () => {
  kafka = await startKafka();
});
afterAll(async () => {
  await kafka?.stop();
});

const open = (topics: readonly string[], clientId = 'contract') =>
  KafkaBus.connect({ brokers: kafka.brokers, clientId, topics, partitions: 3, lagRefreshMs: 200, retryDelayMs: 50, sessionTimeoutMs: 6_000 });

busContract('KafkaBus', { open: (topics) => open(topics), timeoutMs: 60_000 });

describe('KafkaBus on a real Kafka', () => {
  it('creates the topics with the partitions asked for, and spreads keys over them', async () => {
    const bus = await open(['spread.readings']);
    try {
      for (let p = 0; p < 30; p++) await bus.publish('spread.readings', `patient-${p}`, { p });
      const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets('spread.readings');
      await admin.disconnect();
      expect(offsets).toHaveLength(3);
      expect(offsets.filter((o) => Number(o.high) > 0).length).toBeGreaterThan(1);
      expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(30);
    } finally {
      await bus.close();
    }
  });

  it('commits nothing for a batch whose handler never resolved: a new consumer gets it again', async () => {
    const topic = 'uncommitted.readings';
    const first = await open([topic], 'crashing');
    let hang!: () => void;
    const inHand: number[] = [];
    first.subscribe<number>(topic, 'anchor', (batch) => {
      inHand.push(...batch.map((m) => m.value));
      return new Promise<void>((resolve) => (hang = resolve)).then(() => {
        throw new Error('the process died before its effects were durable');
      });
    });
    for (let n = 0; n < 5; n++) await first.publish(topic, 'k', n);
    while (inHand.length < 5) await new Promise((r) => setTimeout(r, 50));
    const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: kafkaGroupId('anchor', topic), topics: [topic] });
    await admin.disconnect();
    expect(committed!.partitions.every((p) => p.offset === '-1')).toBe(true);
    hang();
    await first.close();

    const second = await open([topic], 'restarted');
    const replayed: number[] = [];
    second.subscribe<number>(topic, 'anchor', async (batch) => void replayed.push(...batch.map((m) => m.value)));
    while (replayed.length < 5) await new Promise((r) => setTimeout(r, 50));
    expect(replayed).toEqual([0, 1, 2, 3, 4]);
    await second.close();
  });

  it('skips a message that is not JSON (a foreign producer), counts it, and goes on with the partition', async () => {
    const topic = 'foreign.readings';
    const reasons: string[] = [];
    const bus = await KafkaBus.connect({
      brokers: kafka.brokers,
      clientId: 'skipping',
      topics: [topic],
      partitions: 1,
      retryDelayMs: 50,
      sessionTimeoutMs: 6_000,
      onSkipped: (_topic, group, reason) => reasons.push(`${group} ${reason}`),
    });
    const producer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer();
    try {
      await bus.publish(topic, 'patient-1', { n: 1 });
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'patient-1', value: 'patient-1 hr=180 not json' }] });
      await bus.publish(topic, 'patient-1', { n: 2 });
      const seen: unknown[] = [];
      bus.subscribe<{ n: number }>(topic, 'alerts', async (batch) => void seen.push(...batch.map((m) => m.value.n)));
      while (seen.length < 2) await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual([1, 2]);
      expect(bus.skippedMessages).toBe(1);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/^alerts skipped foreign\.readings 0:1 \(25 bytes\): not JSON/);
      expect(reasons[0]).not.toContain('hr=180'); // the bytes may be patient data: never in a log line
    } finally {
      await producer.disconnect();
      await bus.close();
    }
  });

  it('gives the lease to one member, keeps it there when a standby joins, and hands it over when the holder leaves', async () => {
    const options = { brokers: kafka.brokers, name: 'lease-test', sessionTimeoutMs: 6_000 };
    let lost = '';
    const holder = await KafkaLease.acquire({ ...options, clientId: 'first', onLost: (reason) => (lost = reason) });
    expect(holder.isHeld).toBe(true);
    let waiting = false;
    const second = KafkaLease.acquire({ ...options, clientId: 'second', onWaiting: () => (waiting = true) });
    while (!waiting) await new Promise((r) => setTimeout(r, 50));
    expect(holder.isHeld).toBe(true);
    expect(lost).toBe('');
    await holder.release();
    const standby = await second;
    expect(standby.isHeld).toBe(true);
    await standby.release();
  });
});
