import { existsSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBroker, checkKafkaPrerequisites, startKafka } from './kafka';

// The harness every Kafka suite and the distributed benchmark stand on: a real broker from the
// Maven-resolved jars, reached by kafkajs, and gone (process and files) after stop().
jest.setTimeout(240_000);

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function consumeOne(brokers: string[], topic: string, groupId: string): Promise<{ key: string; value: string; partition: number }> {
  const consumer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise((resolve) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => resolve({ key: message.key!.toString(), value: message.value!.toString(), partition }),
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

describe('startKafka (Kafka 3.9 from Maven jars, KRaft)', () => {
  let kafka: KafkaBroker | undefined;

  afterAll(async () => {
    await kafka?.stop();
  });

  it('starts a broker that round-trips a keyed message through a created topic', async () => {
    kafka = await startKafka({ topics: [{ topic: 'vitals.readings', partitions: 3 }] });
    expect(kafka.brokers).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);

    const client = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    const [metadata] = (await admin.fetchTopicMetadata({ topics: ['vitals.readings'] })).topics;
    await admin.disconnect();
    expect(metadata!.partitions).toHaveLength(3);

    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: 'vitals.readings', acks: -1, messages: [{ key: 'patient-7', value: '{"hr":72}' }] });
    await producer.disconnect();

    const received = await consumeOne(kafka.brokers, 'vitals.readings', 'harness-spec');
    expect(received).toMatchObject({ key: 'patient-7', value: '{"hr":72}' });
  });

  it('keeps committed messages across a restart on the same ports', async () => {
    const producer = new Kafka({ brokers: kafka!.brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: 'auto.created', acks: -1, messages: [{ key: 'k', value: 'before restart' }] });
    await producer.disconnect();

    await kafka!.restart();

    expect(await consumeOne(kafka!.brokers, 'auto.created', 'after-restart')).toMatchObject({ value: 'before restart' });
  });

  it('stop() ends the JVM and removes its temp dir', async () => {
    const { pid, dir } = kafka!;
    expect(isRunning(pid)).toBe(true);
    await kafka!.stop();
    kafka = undefined;
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('names the fix when the jars or Java are missing', () => {
    expect(() => checkKafkaPrerequisites({ libDir: '/nonexistent/kafka/lib' })).toThrow(/run infra\/kafka\/resolve\.sh/);
    expect(() => checkKafkaPrerequisites({ java: '/nonexistent/bin/java' })).toThrow(/needs Java 17\+.*openjdk-17-jre-headless/);
  });
});
