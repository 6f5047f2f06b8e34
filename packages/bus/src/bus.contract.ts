import { Bus, BusMessage } from './bus';

/**
 * What every Bus adapter promises (bus.ts), run against each real adapter: SqliteBus in the unit
 * project, KafkaBus against a real Kafka in the infra project. `open` gives a bus whose topics
 * include the ones named (Kafka creates them with several partitions, so "in order per key" is
 * tested across partitions).
 */
export interface BusContractOptions {
  open(topics: readonly string[]): Promise<Bus>;
  /** how long a condition may take to become true, ms (Kafka group joins take seconds) */
  readonly timeoutMs: number;
}

let counter = 0;
const freshTopic = (what: string) => `contract.${what}.${process.pid}.${Date.now()}.${counter++}`;

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function busContract(name: string, options: BusContractOptions): void {
  describe(`${name} keeps the Bus contract`, () => {
    const opened: Bus[] = [];
    const open = async (topics: readonly string[]) => {
      const bus = await options.open(topics);
      opened.push(bus);
      return bus;
    };
    afterEach(async () => {
      for (const bus of opened.splice(0)) await bus.close();
    });

    it('delivers every message to each group, in publish order per key', async () => {
      const topic = freshTopic('order');
      const bus = await open([topic]);
      const seen = { a: [] as BusMessage<{ key: string; n: number }>[], b: [] as BusMessage<{ key: string; n: number }>[] };
      bus.subscribe<{ key: string; n: number }>(topic, 'group-a', async (batch) => void seen.a.push(...batch));
      bus.subscribe<{ key: string; n: number }>(topic, 'group-b', async (batch) => void seen.b.push(...batch));
      const keys = ['p1', 'p2', 'p3', 'p4', 'p5'];
      await Promise.all(keys.flatMap((key) => Array.from({ length: 40 }, (_, n) => bus.publish(topic, key, { key, n }))));
      for (const group of ['a', 'b'] as const) {
        await eventually(`group ${group} to see 200 messages`, () => seen[group].length >= 200, options.timeoutMs);
        expect(seen[group]).toHaveLength(200);
        for (const key of keys) {
          const ns = seen[group].filter((m) => m.key === key).map((m) => m.value.n);
          expect(ns).toEqual(Array.from({ length: 40 }, (_, n) => n));
        }
      }
    });

    it('hands a failed batch to the handler again instead of skipping it', async () => {
      const topic = freshTopic('retry');
      const bus = await open([topic]);
      let failures = 0;
      const handled: number[] = [];
      bus.subscribe<number>(topic, 'flaky', async (batch) => {
        if (failures < 2) {
          failures += 1;
          throw new Error('store unavailable');
        }
        handled.push(...batch.map((m) => m.value));
      });
      for (let n = 0; n < 10; n++) await bus.publish(topic, 'one-key', n);
      await eventually('all ten handled', () => handled.length >= 10, options.timeoutMs);
      expect(failures).toBe(2);
      expect(handled).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('resumes a group after its last handled batch, across subscriptions and bus instances', async () => {
      const topic = freshTopic('resume');
      const first = await open([topic]);
      const before: number[] = [];
      const subscription = first.subscribe<number>(topic, 'resuming', async (batch) => void before.push(...batch.map((m) => m.value)));
      for (let n = 0; n < 20; n++) await first.publish(topic, `k${n % 4}`, n);
      await eventually('the first twenty', () => before.length >= 20, options.timeoutMs);
      await subscription.stop();
      for (let n = 20; n < 30; n++) await first.publish(topic, `k${n % 4}`, n);

      const second = await open([topic]);
      const after: number[] = [];
      second.subscribe<number>(topic, 'resuming', async (batch) => void after.push(...batch.map((m) => m.value)));
      await eventually('the ten published while nobody listened', () => after.length >= 10, options.timeoutMs);
      expect([...after].sort((x, y) => x - y)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    });

    it('reports as lag what the group has not handled yet', async () => {
      const topic = freshTopic('lag');
      const bus = await open([topic]);
      for (let n = 0; n < 12; n++) await bus.publish(topic, `k${n % 3}`, n);
      await eventually('a lag of 12', () => bus.lag(topic, 'late-group') === 12, options.timeoutMs);
      const handled: number[] = [];
      bus.subscribe<number>(topic, 'late-group', async (batch) => void handled.push(...batch.map((m) => m.value)));
      await eventually('the group caught up', () => handled.length >= 12 && bus.lag(topic, 'late-group') === 0, options.timeoutMs);
    });
  });
}
