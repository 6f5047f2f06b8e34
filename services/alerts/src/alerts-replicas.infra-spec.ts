import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamicModule, Global, INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BatchHandler, Bus, KafkaBus, kafkaGroupId, SubscribeOptions } from '@pulseproof/bus';
import { AlertEvent, busTopics, Reading } from '@pulseproof/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBroker, startKafka } from '../../../packages/bus/src/testing/kafka';
import { AlertsModule } from './alerts.module';
import { ALERTS_CONSUMER_GROUP } from './consumers/readings.consumer';
import { ALERTS_DB_FILE } from './patient-state.store';
import { HIGH, MEDIUM, NORMAL, reading } from './testing/alerts-harness';

/**
 * Alerts scaled out by partition (docs/deploy.md): replicas share one alerts.sqlite (one host,
 * one volume) and split the readings partitions between them. When partitions move (a replica joins,
 * a replica stops) the new owner sees each patient's current state and raises nothing twice.
 */
jest.setTimeout(240_000);

const PARTITIONS = 6;
const PATIENTS = Array.from({ length: 24 }, (_, i) => `p-${String(i).padStart(2, '0')}`);
const SEPTIC = PATIENTS.filter((_, i) => i % 3 === 0);

@Global()
@Module({})
class ReplicaBusModule {
  static with(bus: Bus): DynamicModule {
    return { module: ReplicaBusModule, providers: [{ provide: Bus, useValue: bus }], exports: [Bus] };
  }
}

interface Replica {
  readonly name: string;
  readonly bus: KafkaBus;
  app: INestApplicationContext;
  /** readings this replica's alerts group was handed */
  handled: number;
}

let kafka: KafkaBroker;
let dir: string;
let publisher: KafkaBus;
const replicas: Replica[] = [];

const connect = (clientId: string) =>
  KafkaBus.connect({ brokers: kafka.brokers, clientId, topics: Object.values(busTopics), partitions: PARTITIONS, retryDelayMs: 50, sessionTimeoutMs: 6_000 });

/** One alerts process: its own Kafka bus (own consumers in the groups), the shared DATA_DIR. */
async function startReplica(name: string): Promise<Replica> {
  const bus = await connect(name);
  const replica = { name, bus, handled: 0 } as Replica;
  // counts what this replica's readings consumer is handed, to show the partitions really split and moved
  const subscribe = bus.subscribe.bind(bus);
  bus.subscribe = <T>(topic: string, group: string, handler: BatchHandler<T>, options?: SubscribeOptions) =>
    subscribe<T>(topic, group, async (batch) => {
      if (topic === busTopics.readings && group === ALERTS_CONSUMER_GROUP) replica.handled += batch.length;
      return handler(batch);
    }, options);
  Logger.overrideLogger(false);
  const app = await NestFactory.createApplicationContext(
    { module: class AlertsReplicaRoot {}, imports: [ReplicaBusModule.with(bus), AlertsModule.forRoot({ dataDir: dir })] },
    { logger: false },
  );
  await app.init();
  replica.app = app;
  replicas.push(replica);
  return replica;
}

async function stopReplica(replica: Replica): Promise<void> {
  replicas.splice(replicas.indexOf(replica), 1);
  await replica.app.close(); // its consumers leave the groups: their partitions move at once
  await replica.bus.close();
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dir, ALERTS_DB_FILE), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const applied = () => query<{ n: number }>('SELECT COUNT(*) AS n FROM processed_sources')[0]!.n;

async function groupMembers(): Promise<number> {
  const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([kafkaGroupId(ALERTS_CONSUMER_GROUP, busTopics.readings)]);
    return groups[0]?.state === 'Stable' ? groups[0].members.length : 0;
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  kafka = await startKafka();
  dir = mkdtempSync(join(tmpdir(), 'pp-alerts-replicas-'));
  publisher = await connect('ingest');
});

afterAll(async () => {
  for (const r of [...replicas]) await stopReplica(r);
  await publisher?.close();
  await kafka?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('raises exactly one alert per septic patient while partitions move between replicas sharing the state', async () => {
  const events: AlertEvent[] = [];
  publisher.subscribe<AlertEvent>(busTopics.alerts, 'spec', async (batch) => void events.push(...batch.map((m) => m.value)));
  const t0 = Date.now();
  const at = (step: number) => t0 + step * 60_000;
  const publish = async (readings: Reading[]) => {
    await Promise.all(readings.map((r) => publisher.publish(busTopics.readings, r.patientId, r)));
  };
  const step = (septic: (p: string) => Reading, others: (p: string) => Reading) =>
    PATIENTS.map((p) => (SEPTIC.includes(p) ? septic(p) : others(p)));

  // 1. One replica: everyone normal, then the septic patients at NEWS2 5 (a medium alert each).
  const a = await startReplica('alerts-a');
  const phase1 = [
    ...step((p) => reading(p, `${p}-mon`, 1, at(1), NORMAL), (p) => reading(p, `${p}-mon`, 1, at(1), NORMAL)),
    ...step((p) => reading(p, `${p}-mon`, 2, at(2), MEDIUM), (p) => reading(p, `${p}-mon`, 2, at(2), NORMAL)),
  ];
  await publish(phase1);
  await until(() => applied() === phase1.length, 'replica a applied phase 1');

  // 2. A second replica joins: the partitions split; the septic patients reach NEWS2 7.
  const b = await startReplica('alerts-b');
  await until(async () => (await groupMembers()) === 2, 'both replicas in the readings group');
  const phase2 = step((p) => reading(p, `${p}-mon`, 3, at(3), HIGH), (p) => reading(p, `${p}-mon`, 3, at(3), NORMAL));
  await publish(phase2);
  await until(() => applied() === phase1.length + phase2.length, 'both replicas applied phase 2');
  expect(b.handled).toBeGreaterThan(0);
  expect(a.handled).toBeGreaterThan(phase1.length);

  // 3. Replica a stops: b owns every partition. Phase 2 comes again (a redelivery) with phase 3.
  await stopReplica(a);
  const bBefore = b.handled;
  const phase3 = step((p) => reading(p, `${p}-mon`, 4, at(4), HIGH), (p) => reading(p, `${p}-mon`, 4, at(4), NORMAL));
  await publish([...phase2, ...phase3]);
  await until(() => applied() === phase1.length + phase2.length + phase3.length && b.handled - bBefore >= phase2.length + phase3.length, 'replica b applied phase 3');

  // One news2 alert per septic patient in the shared state, raised by whichever replica owned it,
  // now high; none for the others; never two alerts of one type for one patient.
  const news2 = query<{ patient_id: string; priority: string; state: string }>("SELECT patient_id, priority, state FROM alerts WHERE type = 'news2' ORDER BY patient_id");
  expect(news2.map((r) => r.patient_id)).toEqual(SEPTIC);
  expect(news2.every((r) => r.priority === 'high' && r.state === 'active')).toBe(true);
  expect(query("SELECT patient_id, type FROM alerts GROUP BY patient_id, type HAVING COUNT(*) > 1")).toEqual([]);

  // On the bus: events are at-least-once, but one alert id raised per septic patient.
  await until(() => SEPTIC.every((p) => events.some((e) => e.patientId === p && e.type === 'news2' && e.priority === 'high')), 'the high news2 events');
  for (const p of SEPTIC) {
    const raised = new Set(events.filter((e) => e.patientId === p && e.type === 'news2' && e.change === 'raised').map((e) => e.alertId));
    expect(raised.size).toBe(1);
  }
});
