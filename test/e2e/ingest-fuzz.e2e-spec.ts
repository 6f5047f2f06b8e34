import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, MqttClient } from 'mqtt';
import { mqttTopics, normaliseValue, Reading } from '@pulseproof/contracts';
import { encodeLeaf } from '@pulseproof/anchor';
import { DeviceRegistry, ReadingStore } from '@pulseproof/ingest';
import { SeededRandom } from '@pulseproof/simulators';
import { auditVerify, EmbeddedSystem, PulseProofConfig, startEmbedded } from 'pulseproof';
import { CATEGORIES, Context, ValidReading, validReading } from './fuzz-payloads';
import { eventually, getJson, testConfig } from './support';

jest.setTimeout(180_000);

const SEED = 20_261_122;
const DEVICES = Array.from({ length: 8 }, (_, i) => `fuzz-${i}`);
/** registered, with credentials, but assigned to no patient */
const ORPHAN = 'fuzz-orphan';
const CONTROLS_PER_DEVICE = 110;
const UNKNOWN_DEVICE_COUNT = 500;
const REPLAY_COUNT = 700;
const SPOOFED_TOPIC_COUNT = 400;
const DUPLICATE_COUNT = 200;
const IN_FLIGHT = 64;

interface Publish {
  readonly client: string;
  readonly topic: string;
  readonly payload: Buffer;
  /** the dead-letter reason, or undefined for a reading that must be stored (or is a redelivery) */
  readonly reason?: string;
}

/**
 * Promise 4 of the devices issue: at least 10,000 generated malformed and hostile payloads, mixed
 * with valid readings, published at QoS 1 through the real embedded broker of the real app. The
 * process stays up, exactly the valid readings are stored (late ones marked), every hostile one is
 * dead-lettered under the reason its category expects, and sequence gaps match what was skipped.
 */
describe('ingest under 10,000+ hostile payloads', () => {
  let config: PulseProofConfig;
  let system: EmbeddedSystem;
  const clients = new Map<string, MqttClient>();
  let unexpectedCloses = 0;
  let lateReading: ValidReading | undefined;

  beforeAll(async () => {
    config = testConfig({ MQTT_RATE_PER_DEVICE: '1000000', MQTT_RATE_BURST: '1000000' });
    system = await startEmbedded(config, { logLevels: ['error'] });
    const registry = system.app.get(DeviceRegistry);
    const since = Date.now() - 30 * 86_400_000;
    for (const deviceId of [...DEVICES, ORPHAN]) {
      const { credentials } = await registry.registerDevice({ deviceId, ...(deviceId !== ORPHAN && { patientId: `patient-${deviceId}` }), at: since });
      const client = await connectAsync(system.mqttUrl, { clientId: deviceId, username: credentials!.username, password: credentials!.password, reconnectPeriod: 0 });
      client.on('close', () => (unexpectedCloses += 1));
      clients.set(deviceId, client);
    }
  });

  afterAll(async () => {
    for (const client of clients.values()) client.removeAllListeners('close');
    await Promise.all([...clients.values()].map((c) => c.endAsync(true)));
    await system?.stop();
    if (config) rmSync(config.dataDir, { recursive: true, force: true });
  });

  it('stores exactly the valid readings and dead-letters every hostile one under its reason', async () => {
    const rng = new SeededRandom(SEED);
    const now = Date.now();
    const expectedReasons: Record<string, number> = {};
    const expectStored = new Map<string, { reading: ValidReading; late: boolean }>();
    const sentSeqs = new Map<string, Set<number>>(DEVICES.map((d) => [d, new Set()]));
    let hostileSeq = 1_000_000;

    const control = (deviceId: string, seq: number): Publish => {
      const late = rng.next() < 0.2;
      const reading = validReading(rng, deviceId, seq, now, late);
      expectStored.set(`${deviceId}:${seq}`, { reading, late });
      sentSeqs.get(deviceId)!.add(seq);
      return { client: deviceId, topic: mqttTopics.readings(deviceId), payload: Buffer.from(JSON.stringify(reading)) };
    };
    const hostile = (client: string, topicDevice: string, payload: Buffer, reason: string): Publish => {
      expectedReasons[reason] = (expectedReasons[reason] ?? 0) + 1;
      return { client, topic: mqttTopics.readings(topicDevice), payload, reason };
    };
    const context = (deviceId: string): Context => ({ rng, deviceId, otherDeviceIds: DEVICES.filter((d) => d !== deviceId), now, seq: hostileSeq++ });

    // Phase 0: each device's first reading, so its sequence starts at 1.
    const first = DEVICES.map((d) => control(d, 1));
    // Phase 1: controls with occasional skipped seqs (gaps), shuffled in with the hostile payloads.
    const phase1: Publish[] = [];
    const skipped = new Map<string, number[]>(DEVICES.map((d) => [d, []]));
    for (const deviceId of DEVICES) {
      let seq = 1;
      for (let i = 1; i < CONTROLS_PER_DEVICE; i++) {
        const jump = rng.next() < 0.04 ? 2 + rng.below(5) : 1;
        for (let s = seq + 1; s < seq + jump; s++) skipped.get(deviceId)!.push(s);
        seq += jump;
        phase1.push(control(deviceId, seq));
      }
    }
    for (const category of CATEGORIES) {
      for (let i = 0; i < category.count; i++) {
        const deviceId = DEVICES[rng.below(DEVICES.length)]!;
        phase1.push(hostile(deviceId, deviceId, category.make(context(deviceId)), category.reason));
      }
    }
    for (let i = 0; i < UNKNOWN_DEVICE_COUNT; i++) {
      phase1.push(hostile(ORPHAN, ORPHAN, Buffer.from(JSON.stringify(validReading(rng, ORPHAN, i, now))), 'INGEST_E_UNKNOWN_DEVICE'));
    }
    // Through another device's topic, naming that device in the payload too: the broker knows who
    // signed in (MQTT_AUTH is required by default) and refuses it.
    expect(config.mqtt.auth).toBe('required');
    for (let i = 0; i < SPOOFED_TOPIC_COUNT; i++) {
      const from = DEVICES[rng.below(DEVICES.length)]!;
      const victim = DEVICES.filter((d) => d !== from)[rng.below(DEVICES.length - 1)]!;
      phase1.push(hostile(from, victim, Buffer.from(JSON.stringify(validReading(rng, victim, hostileSeq++, now))), 'INGEST_E_NOT_AUTHORISED'));
    }
    shuffle(rng, phase1);

    // Phase 2, after phase 1 is acknowledged: replays of stored seqs with other content, exact
    // redeliveries (accepted, stored once), and some of the skipped seqs arriving late.
    const stored = [...expectStored.values()].map((e) => e.reading);
    const phase2: Publish[] = [];
    for (let i = 0; i < REPLAY_COUNT; i++) {
      const original = stored[rng.below(stored.length)]!;
      const replay = { ...original, ts: original.ts + 1 + rng.below(1_000) };
      phase2.push(hostile(original.deviceId, original.deviceId, Buffer.from(JSON.stringify(replay)), 'INGEST_E_SEQUENCE_REPLAYED'));
    }
    for (let i = 0; i < DUPLICATE_COUNT; i++) {
      const original = stored[rng.below(stored.length)]!;
      phase2.push({ client: original.deviceId, topic: mqttTopics.readings(original.deviceId), payload: Buffer.from(JSON.stringify(original)) });
    }
    for (const [deviceId, seqs] of skipped) for (const seq of seqs) if (rng.next() < 0.5) phase2.push(control(deviceId, seq));
    shuffle(rng, phase2);

    const hostileTotal = Object.values(expectedReasons).reduce((a, b) => a + b, 0);
    expect(hostileTotal).toBeGreaterThanOrEqual(10_000);

    await publishAll(first);
    await publishAll(phase1);
    await publishAll(phase2);

    // The process is up and no device was cut off.
    expect(unexpectedCloses).toBe(0);
    const health = await getJson(`${system.httpUrl}/api/health`);
    expect(health.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');

    // Every hostile payload is dead-lettered under its category's reason, and nothing else is.
    const { status, body: page } = await getJson(`${system.httpUrl}/api/dead-letters?limit=1`);
    expect(status).toBe(200);
    expect(page.counts).toEqual(expectedReasons);
    expect(page.total).toBe(hostileTotal);
    expect(health.body.components.ingest.detail.refusedByReason).toEqual(expectedReasons);
    const implausible = await getJson(`${system.httpUrl}/api/dead-letters?reason=INGEST_E_IMPLAUSIBLE&deviceId=fuzz-3&limit=1000`);
    expect(implausible.body.items.length).toBeGreaterThan(0);
    expect(implausible.body.items.every((l: { reason: string; deviceId: string }) => l.reason === 'INGEST_E_IMPLAUSIBLE' && l.deviceId === 'fuzz-3')).toBe(true);

    // Exactly the valid readings are stored, with their values, patient and late mark.
    const store = system.app.get(ReadingStore);
    expect(await store.count()).toBe(expectStored.size);
    let late = 0;
    for (const { reading, late: isLate } of expectStored.values()) {
      const got: Reading | undefined = await store.get(reading.deviceId, reading.seq);
      expect(got).toBeDefined();
      expect({ patientId: got!.patientId, deviceTime: got!.deviceTime, measurements: got!.measurements, late: got!.late === true }).toEqual({
        patientId: `patient-${reading.deviceId}`,
        deviceTime: reading.ts,
        measurements: Object.fromEntries(Object.entries(reading.measurements).map(([code, m]) => [code, normaliseValue(m.value)])),
        late: isLate,
      });
      if (isLate) {
        late += 1;
        lateReading = reading;
      }
    }
    expect(late).toBeGreaterThan(0);

    // Open sequence gaps are exactly the seqs skipped and never filled; filled ones closed them.
    let missing = 0;
    for (const deviceId of DEVICES) {
      const { body } = await getJson(`${system.httpUrl}/api/sequence-gaps?deviceId=${deviceId}&open=true&limit=1000`);
      const open = body.gaps.map((g: { from: number; to: number }) => [g.from, g.to]).sort((a: number[], b: number[]) => a[0]! - b[0]!);
      const expected = missingRanges(sentSeqs.get(deviceId)!);
      expect(open).toEqual(expected);
      missing += expected.reduce((sum, [from, to]) => sum + to! - from! + 1, 0);
    }
    expect(missing).toBeGreaterThan(0);
    const { body: gaps } = await getJson(`${system.httpUrl}/api/sequence-gaps?open=false&limit=1000`);
    expect(gaps.gaps.length).toBeGreaterThan(0);
    expect(gaps.totals).toMatchObject({ missing });
  });

  it('anchors a late reading like any other: the late mark is kept, outside the Merkle leaf', async () => {
    const reading = lateReading!;
    const receipt = await eventually('the receipt of a late reading', async () => {
      const { status, body } = await getJson(`${system.httpUrl}/api/readings/${reading.deviceId}:${reading.seq}/receipt`);
      return status === 200 ? body : undefined;
    });
    expect(receipt.reading.late).toBe(true);
    const { late: _, units: __, ...withoutMark } = receipt.reading;
    expect(encodeLeaf(withoutMark)).toBe(receipt.leaf);
    const file = join(config.dataDir, 'late-receipt.json');
    writeFileSync(file, JSON.stringify(receipt));
    expect((await auditVerify(file, system.rpcUrl)).exitCode).toBe(0);
  });

  it('answers bad dead-letter and sequence-gap queries with a 400 and a message', async () => {
    for (const query of ['limit=0', 'limit=abc', 'reason=NOPE', 'since=yesterday', 'deviceId=bad/id']) {
      const { status, body } = await getJson(`${system.httpUrl}/api/dead-letters?${query}`);
      expect([query, status]).toEqual([query, 400]);
      expect(typeof body.message).toBe('string');
    }
    const { status } = await getJson(`${system.httpUrl}/api/sequence-gaps?open=maybe`);
    expect(status).toBe(400);
  });

  /** Each client publishes its share with a window of QoS 1 messages in flight; clients run in parallel. */
  async function publishAll(items: readonly Publish[]): Promise<void> {
    const byClient = new Map<string, Publish[]>();
    for (const item of items) byClient.set(item.client, [...(byClient.get(item.client) ?? []), item]);
    await Promise.all(
      [...byClient].map(async ([clientId, list]) => {
        const client = clients.get(clientId)!;
        let next = 0;
        const worker = async () => {
          while (next < list.length) {
            const item = list[next++]!;
            await client.publishAsync(item.topic, item.payload, { qos: 1 });
          }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      }),
    );
  }
});

function shuffle<T>(rng: SeededRandom, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** Maximal runs of seqs missing between the first and the highest seq sent. */
function missingRanges(sent: ReadonlySet<number>): number[][] {
  const max = Math.max(...sent);
  const ranges: number[][] = [];
  for (let seq = 1; seq <= max; seq++) {
    if (sent.has(seq)) continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === seq - 1) last[1] = seq;
    else ranges.push([seq, seq]);
  }
  return ranges;
}
