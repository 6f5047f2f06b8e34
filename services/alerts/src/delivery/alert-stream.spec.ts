import { DynamicModule, Global, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, SqliteBus } from '@pulseproof/bus';
import { AlertEvent, busTopics } from '@pulseproof/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { ClientRequest, IncomingMessage, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALERT_DELIVERY_CONTROLLERS, AlertDeliveryModule } from './alert-delivery.module';

/** One SSE frame as a client parses it (WHATWG HTML, "Server-sent events", interpreting an event stream). */
interface Frame {
  event?: string;
  id?: string;
  data?: string;
  comments: string[];
}

/** A real HTTP client reading the stream: frames as they arrive. */
class StreamReader {
  readonly frames: Frame[] = [];
  status = 0;
  ended = false;
  contentType = '';
  body = '';
  private buffer = '';
  private request!: ClientRequest;

  static open(url: string, headers: Record<string, string> = {}): Promise<StreamReader> {
    const reader = new StreamReader();
    return new Promise((resolve, reject) => {
      reader.request = get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
        reader.status = res.statusCode ?? 0;
        reader.contentType = String(res.headers['content-type'] ?? '');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => reader.take(chunk));
        res.on('error', () => undefined);
        res.on('end', () => (reader.ended = true));
        resolve(reader);
      });
      reader.request.on('error', reject);
    });
  }

  get alerts(): Frame[] {
    return this.frames.filter((f) => f.event === 'alert');
  }

  close(): void {
    this.request.destroy();
  }

  private take(chunk: string): void {
    this.body += chunk;
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (block.trim() === '') continue;
      const frame: Frame = { comments: [] };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) frame.event = line.slice(7);
        else if (line.startsWith('id: ')) frame.id = line.slice(4);
        else if (line.startsWith('data: ')) frame.data = (frame.data === undefined ? '' : `${frame.data}\n`) + line.slice(6);
      }
      this.frames.push(frame);
    }
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function alertEvent(patientId: string, n: number): AlertEvent {
  return {
    alertId: `news2:${patientId}:bed:${n}`,
    patientId,
    type: 'news2',
    priority: 'medium',
    state: 'active',
    summary: `NEWS2 ${n}`,
    readingId: `bed:${n}`,
    raisedAt: 1_795_000_000_000 + n,
    updatedAt: 1_795_000_000_000 + n,
  };
}

@Global()
@Module({})
class TestBusModule {
  static with(bus: Bus): DynamicModule {
    return { module: TestBusModule, providers: [{ provide: Bus, useValue: bus }], exports: [Bus] };
  }
}

@Module({})
class StreamTestModule {
  static with(bus: Bus, dataDir: string): DynamicModule {
    return {
      module: StreamTestModule,
      imports: [TestBusModule.with(bus), AlertDeliveryModule.forRoot({ dataDir, stream: { heartbeatMs: 100, bufferSize: 5 } })],
      controllers: [...ALERT_DELIVERY_CONTROLLERS],
    };
  }
}

describe('GET /api/alerts/stream (Server-Sent Events over real HTTP)', () => {
  let dir: string;
  let bus: SqliteBus;
  let app: INestApplication | undefined;
  let url: string;
  const readers: StreamReader[] = [];

  async function startApp(): Promise<void> {
    app = await NestFactory.create(StreamTestModule.with(bus, dir), { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/api/alerts/stream`.replace('[::1]', '127.0.0.1');
  }

  async function stopApp(): Promise<void> {
    await app?.close();
    app = undefined;
  }

  async function open(query = '', headers: Record<string, string> = {}): Promise<StreamReader> {
    const reader = await StreamReader.open(url + query, headers);
    readers.push(reader);
    return reader;
  }

  async function publish(...events: AlertEvent[]): Promise<void> {
    for (const event of events) await bus.publish(busTopics.alerts, event.patientId, event);
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-stream-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 10 });
    await startApp();
  });

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await stopApp();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends each alert event with its id as it happens, and heartbeat comments between them', async () => {
    const reader = await open();
    expect(reader.status).toBe(200);
    expect(reader.contentType).toContain('text/event-stream');
    await publish(alertEvent('p-1', 1), alertEvent('p-2', 2));

    await until(() => reader.alerts.length === 2, 'two alert events');
    expect(reader.alerts.map((f) => JSON.parse(f.data!).alertId)).toEqual(['news2:p-1:bed:1', 'news2:p-2:bed:2']);
    expect(JSON.parse(reader.alerts[0]!.data!)).toEqual(alertEvent('p-1', 1));
    const ids = reader.alerts.map((f) => Number(f.id));
    expect(ids[1]).toBeGreaterThan(ids[0]!);
    await until(() => reader.frames.some((f) => f.comments.includes('heartbeat')), 'a heartbeat');
    // heartbeats carry no id, so they never move the client's Last-Event-ID
    expect(reader.frames.filter((f) => f.comments.includes('heartbeat')).every((f) => f.id === undefined && f.event === undefined)).toBe(true);
  });

  it('resumes from Last-Event-ID with the events the client missed, then goes on live', async () => {
    const first = await open();
    await publish(alertEvent('p-1', 1), alertEvent('p-1', 2));
    await until(() => first.alerts.length === 2, 'the first events');
    const lastSeen = first.alerts[1]!.id!;
    first.close();

    await publish(alertEvent('p-1', 3), alertEvent('p-1', 4));
    const resumed = await open('', { 'Last-Event-ID': lastSeen });
    await until(() => resumed.alerts.length === 2, 'the missed events');
    await publish(alertEvent('p-1', 5));
    await until(() => resumed.alerts.length === 3, 'the live event');
    expect(resumed.alerts.map((f) => JSON.parse(f.data!).summary)).toEqual(['NEWS2 3', 'NEWS2 4', 'NEWS2 5']);
    // the same with the query parameter, for clients that cannot set the header
    const byQuery = await open(`?lastEventId=${lastSeen}`);
    await until(() => byQuery.alerts.length === 3, 'the replay by query');
  });

  it('says "reset" when the missed events are no longer in the buffer, with an id to go on from', async () => {
    const first = await open();
    await publish(alertEvent('p-1', 1));
    await until(() => first.alerts.length === 1, 'the first event');
    const lastSeen = first.alerts[0]!.id!;
    first.close();
    // the buffer keeps 5 events: 7 more push the missed ones out
    await publish(...[2, 3, 4, 5, 6, 7, 8].map((n) => alertEvent('p-1', n)));
    await until(() => bus.lag(busTopics.alerts, 'alert-delivery') === 0, 'delivery to take them');

    const resumed = await open('', { 'Last-Event-ID': lastSeen });
    await until(() => resumed.frames.some((f) => f.event === 'reset'), 'the reset');
    const reset = resumed.frames.find((f) => f.event === 'reset')!;
    expect(JSON.parse(reset.data!)).toEqual({ reason: 'gap', latest: Number(lastSeen) + 7 });
    expect(reset.id).toBe(String(Number(lastSeen) + 7));
    expect(resumed.alerts).toHaveLength(0);
  });

  it('keeps ids and the buffer across a restart', async () => {
    const first = await open();
    await publish(alertEvent('p-1', 1));
    await until(() => first.alerts.length === 1, 'the first event');
    const lastSeen = first.alerts[0]!.id!;
    await publish(alertEvent('p-1', 2));
    await until(() => first.alerts.length === 2, 'the second event');

    // an open stream ends with the app (the EventSource reconnects to the next run)
    await stopApp();
    await until(() => first.ended, 'the stream to end');
    await startApp();
    const resumed = await open('', { 'Last-Event-ID': lastSeen });
    await until(() => resumed.alerts.length === 1, 'the missed event');
    expect(JSON.parse(resumed.alerts[0]!.data!).summary).toBe('NEWS2 2');
    expect(Number(resumed.alerts[0]!.id)).toBe(Number(lastSeen) + 1);
  });

  it('filters by ?patientId= and refuses a Last-Event-ID that is not one of its ids', async () => {
    const onlyP2 = await open('?patientId=p-2');
    await publish(alertEvent('p-1', 1), alertEvent('p-2', 2), alertEvent('p-1', 3), alertEvent('p-2', 4));
    await until(() => onlyP2.alerts.length === 2, "p-2's events");
    expect(onlyP2.alerts.map((f) => JSON.parse(f.data!).patientId)).toEqual(['p-2', 'p-2']);

    const bad = await open('', { 'Last-Event-ID': 'abc' });
    expect(bad.status).toBe(400);
    const badPatient = await open('?patientId=../x');
    expect(badPatient.status).toBe(400);
  });
});
