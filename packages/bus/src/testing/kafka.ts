import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { killOnExit } from './kill-on-exit';

/**
 * Apache Kafka 3.9 from Maven Central jars (resolved by infra/kafka/resolve.sh) as a test harness:
 * one combined broker+controller in KRaft mode on two free loopback ports, its log in a temp dir,
 * started as a child `java` process and stopped by pid. Infrastructure specs and the distributed
 * benchmark use it; nothing here runs in production (docker-compose.yml runs the apache/kafka image).
 */
export interface KafkaOptions {
  /** topics to create before resolving (explicit creation avoids the first-produce LEADER_NOT_AVAILABLE retries) */
  readonly topics?: readonly (string | KafkaTopic)[];
  /** `num.partitions` of auto-created topics; default 1 */
  readonly defaultPartitions?: number;
  /** `auto.create.topics.enable`; default true, as the bus adapter may produce before anyone created the topic */
  readonly autoCreateTopics?: boolean;
  /** more server.properties entries, winning over the generated ones */
  readonly properties?: Readonly<Record<string, string | number | boolean>>;
  /** JVM heap, MB; default 512 (Kafka's own scripts use 1 GB, more than a test needs) */
  readonly heapMb?: number;
  /** how long to wait for an admin client to see the broker, ms; default 120 s (a JVM on a loaded 2-core machine) */
  readonly startTimeoutMs?: number;
  /** folder of the jars; default infra/kafka/lib of this repository, or $KAFKA_LIB_DIR */
  readonly libDir?: string;
  /** the java binary; default $JAVA_HOME/bin/java, else `java` on PATH */
  readonly java?: string;
}

export interface KafkaTopic {
  readonly topic: string;
  readonly partitions?: number;
}

export interface KafkaBroker {
  /** bootstrap addresses for kafkajs, e.g. ['127.0.0.1:39092'] */
  readonly brokers: string[];
  readonly pid: number;
  /** temp dir holding server.properties, the KRaft log and kafka.log */
  readonly dir: string;
  /** the broker's log so far (WARN and above, plus start/stop lines) */
  output(): string;
  /** creates topics (no-op for existing ones) and waits for their leaders */
  createTopics(topics: readonly (string | KafkaTopic)[]): Promise<void>;
  /** stops by pid and starts again on the same ports and log dir: what was committed survives */
  restart(): Promise<void>;
  /** SIGTERM (controlled shutdown), SIGKILL after `graceMs` (default 15 s); removes the temp dir unless `keepData` */
  stop(options?: { graceMs?: number; keepData?: boolean }): Promise<void>;
}

export const KAFKA_LIB_DIR = process.env.KAFKA_LIB_DIR ?? resolve(__dirname, '../../../../infra/kafka/lib');


async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** Fails with what to do when Java or the resolved jars are missing, before anything starts. */
export function checkKafkaPrerequisites(options: Pick<KafkaOptions, 'libDir' | 'java'> = {}): { java: string; libDir: string } {
  const java = options.java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
  const libDir = options.libDir ?? KAFKA_LIB_DIR;
  const probe = spawnSync(java, ['-version'], { stdio: 'pipe' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`Kafka needs Java 17+ but \`${java} -version\` failed (${probe.error?.message ?? `exit ${probe.status}`}): apt-get install openjdk-17-jre-headless, or set JAVA_HOME`);
  }
  const jars = existsSync(libDir) ? readdirSync(libDir) : [];
  if (!jars.some((name) => /^kafka_2\.13-.*\.jar$/.test(name))) {
    throw new Error(`Kafka's jars are not in ${libDir}: run infra/kafka/resolve.sh (Maven resolves them from Maven Central), or set KAFKA_LIB_DIR`);
  }
  return { java, libDir };
}

export function kafkaServerProperties(dir: string, port: number, controllerPort: number, options: KafkaOptions): string {
  const properties: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(dir, 'kraft-logs'),
    'num.partitions': options.defaultPartitions ?? 1,
    'auto.create.topics.enable': options.autoCreateTopics ?? true,
    // One broker: the internal topics cannot have the default three replicas.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    // Tests join consumer groups often; the default 3 s wait for more members only slows them.
    'group.initial.rebalance.delay.ms': 0,
    ...options.properties,
  };
  return `${Object.entries(properties).map(([key, value]) => `${key}=${value}`).join('\n')}\n`;
}

const LOG4J = [
  'log4j.rootLogger=WARN, file',
  'log4j.logger.kafka.server.KafkaRaftServer=INFO',
  'log4j.appender.file=org.apache.log4j.FileAppender',
  'log4j.appender.file.File=${kafka.logs.dir}/kafka.log',
  'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
].join('\n');

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function topicSpec(topic: string | KafkaTopic): { topic: string; numPartitions: number } {
  return typeof topic === 'string' ? { topic, numPartitions: 1 } : { topic: topic.topic, numPartitions: topic.partitions ?? 1 };
}

async function createTopicsOn(brokers: string[], topics: readonly (string | KafkaTopic)[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = new Kafka({ clientId: 'pulseproof-kafka-harness', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map(topicSpec), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once an admin client has seen the broker in the cluster metadata. */
async function waitForBroker(brokers: string[], deadline: number, exited: () => boolean): Promise<void> {
  const kafka = new Kafka({ clientId: 'pulseproof-kafka-harness', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2_000 });
  for (;;) {
    if (exited()) throw new Error('exited');
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null) return;
    } catch {
      // not listening yet, or metadata not ready
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts Kafka and resolves once a kafkajs admin client sees it (and the requested topics exist). */
export async function startKafka(options: KafkaOptions = {}): Promise<KafkaBroker> {
  const { java, libDir } = checkKafkaPrerequisites(options);
  const dir = mkdtempSync(join(tmpdir(), 'pulseproof-kafka-'));
  const classPath = join(libDir, '*');
  const logFile = join(dir, 'kafka.log');
  const configFile = join(dir, 'server.properties');
  writeFileSync(join(dir, 'log4j.properties'), LOG4J);
  const jvm = [
    `-Xms${Math.min(256, options.heapMb ?? 512)}m`,
    `-Xmx${options.heapMb ?? 512}m`,
    `-Dkafka.logs.dir=${dir}`,
    `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
    '-cp',
    classPath,
  ];
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;

  let port = 0;
  let controllerPort = 0;
  let brokers: string[] = [];
  let child: ChildProcess | undefined;

  let forget: () => void = () => undefined;
  const launch = async (): Promise<void> => {
    const log = openSync(logFile, 'a');
    const started = spawn(java, [...jvm, 'kafka.Kafka', configFile], { stdio: ['ignore', log, log] });
    closeSync(log);
    child = started;
    let spawnError: Error | undefined;
    started.once('error', (error) => (spawnError = error));
    forget = killOnExit(started);
    const gone = (): boolean => spawnError !== undefined || started.exitCode !== null || started.signalCode !== null;
    try {
      await waitForBroker(brokers, Date.now() + startTimeoutMs, gone);
    } catch (error) {
      if (!gone()) started.kill('SIGKILL');
      forget();
      const why = spawnError ? `could not run ${java}: ${spawnError.message}` : (error as Error).message === 'timeout' ? `no broker within ${startTimeoutMs} ms` : 'the JVM exited';
      throw new KafkaStartError(`Kafka did not start (${why}); its log ends:\n${tail(logFile)}`, tail(logFile, 200));
    }
  };

  const halt = async (graceMs: number): Promise<void> => {
    const current = child;
    if (current === undefined) return;
    if (current.exitCode === null && current.signalCode === null) {
      const exited = new Promise<void>((done) => current.once('exit', () => done()));
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    forget();
  };

  // A free port may be taken between our probe and the JVM's bind: try a few times.
  for (let attempt = 0; ; attempt += 1) {
    port = await freeLoopbackPort();
    controllerPort = await freeLoopbackPort();
    brokers = [`127.0.0.1:${port}`];
    rmSync(join(dir, 'kraft-logs'), { recursive: true, force: true });
    writeFileSync(configFile, kafkaServerProperties(dir, port, controllerPort, options));
    // KRaft refuses an unformatted log dir; the cluster id is 16 random bytes in base64url (Kafka's Uuid).
    const clusterId = randomBytes(16).toString('base64url');
    const format = spawnSync(java, [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', configFile], { encoding: 'utf8' });
    if (format.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`kafka.tools.StorageTool format failed (exit ${format.status}):\n${format.stderr || format.stdout}`);
    }
    try {
      await launch();
      break;
    } catch (error) {
      const inUse = error instanceof KafkaStartError && /Address already in use/i.test(error.log);
      if (!inUse || attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  try {
    await createTopicsOn(brokers, options.topics ?? []);
  } catch (error) {
    await halt(5_000);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    brokers,
    get pid() {
      return child!.pid!;
    },
    dir,
    output: () => tail(logFile, 10_000),
    createTopics: (topics) => createTopicsOn(brokers, topics),
    async restart() {
      await halt(15_000);
      await launch();
    },
    async stop({ graceMs = 15_000, keepData = false } = {}) {
      await halt(graceMs);
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

class KafkaStartError extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}
