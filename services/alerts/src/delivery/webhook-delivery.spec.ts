import { LoggerService, Logger } from '@nestjs/common';
import { SqliteBus } from '@pulseproof/bus';
import { AlertEvent, busTopics } from '@pulseproof/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertDeliveryService } from './alert-delivery.service';
import { AlertStream } from './alert-stream';
import { WebhookOptions, resolveDeliveryOptions } from './delivery.config';
import { DeliveryStore } from './delivery-store';
import { verifyWebhook } from './webhook-signature';

const SECRET = 'test-secret-0123456789';

/** A real receiver on loopback: answers `failures` requests with 503, then 200 (or always `status`). */
class Receiver {
  readonly requests: { headers: IncomingHttpHeaders; body: string }[] = [];
  failures = 0;
  status = 200;
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (this.failures > 0) {
          this.failures--;
          res.writeHead(503).end('busy');
        } else res.writeHead(this.status).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/alerts?token=query-secret`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function alertEvent(patientId: string, updatedAt: number, overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    alertId: `news2:${patientId}:bed-1:1`,
    patientId,
    type: 'news2',
    priority: 'high',
    state: 'active',
    summary: 'NEWS2 7 (RR 3, SpO2 2, HR 2)',
    score: 7,
    readingId: 'bed-1:1',
    raisedAt: 1_795_000_000_000,
    updatedAt,
    ...overrides,
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('webhook delivery (real SQLite bus and outbox, real loopback HTTP receiver)', () => {
  let dir: string;
  let bus: SqliteBus;
  let receiver: Receiver;
  const running: { stop(): Promise<void> }[] = [];
  const logged: string[] = [];
  const capture: LoggerService = {
    log: (m: unknown) => logged.push(String(m)),
    warn: (m: unknown) => logged.push(String(m)),
    error: (m: unknown) => logged.push(String(m)),
    debug: (m: unknown) => logged.push(String(m)),
  };

  beforeAll(() => Logger.overrideLogger(capture));
  afterAll(() => Logger.overrideLogger(new Logger()));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-webhooks-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 10 });
    receiver = await new Receiver().start();
    logged.length = 0;
  });

  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    await bus.close();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(webhooks: Partial<WebhookOptions> = {}) {
    const options = resolveDeliveryOptions({
      dataDir: dir,
      webhooks: { urls: [receiver.url], secret: SECRET, retry: { baseDelayMs: 20, maxDelayMs: 80, maxAttempts: 5, maxAgeMs: 60_000 }, ...webhooks },
    });
    const store = DeliveryStore.open(dir);
    const stream = new AlertStream(store, options);
    const service = new AlertDeliveryService(bus, store, stream, options);
    await service.onApplicationBootstrap();
    const handle = {
      service,
      stop: async () => {
        running.splice(running.indexOf(handle), 1);
        stream.onModuleDestroy();
        await service.onApplicationShutdown();
      },
    };
    running.push(handle);
    return handle;
  }

  it('retries a failing receiver with backoff, then delivers the signed event it answered 2xx to', async () => {
    receiver.failures = 2;
    const { service } = await start();
    const event = alertEvent('p-1', 1_795_000_000_000);
    await bus.publish(busTopics.alerts, event.patientId, event);

    await until(() => service.listDeliveries({ limit: 10 })[0]?.state === 'delivered', 'the delivery');
    expect(receiver.requests).toHaveLength(3);
    for (const [i, request] of receiver.requests.entries()) {
      expect(verifyWebhook(SECRET, request.body, request.headers['pulseproof-signature'] as string)).toMatchObject({ ok: true });
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['pulseproof-event-id']).toBe(`${event.alertId}@${event.updatedAt}`);
      expect(request.headers['pulseproof-delivery-attempt']).toBe(String(i + 1));
      expect(JSON.parse(request.body)).toEqual({ id: `${event.alertId}@${event.updatedAt}`, type: 'alert.raised', alert: event });
    }
    const [delivery] = service.listDeliveries({ limit: 10 });
    expect(delivery).toMatchObject({ channel: 'webhook', state: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
    // the URL's query (a receiver's token) is not shown
    expect(delivery!.target).toBe(receiver.url.split('?')[0]);
    expect(service.health()).toMatchObject({ status: 'up', detail: { pending: 0, deliveredLastHour: 1 } });
    expect(logged.join('\n')).not.toContain(SECRET);
    expect(logged.join('\n')).not.toContain('query-secret');
  });

  it('marks a delivery failed after its last attempt and shows it in the deliveries and the health', async () => {
    receiver.status = 500;
    const { service } = await start({ retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 3, maxAgeMs: 60_000 } });
    await bus.publish(busTopics.alerts, 'p-2', alertEvent('p-2', 1_795_000_000_000));

    await until(() => service.listDeliveries({ state: 'failed', limit: 10 }).length === 1, 'the failure');
    expect(receiver.requests).toHaveLength(3);
    expect(service.listDeliveries({ state: 'failed', limit: 10 })[0]).toMatchObject({ attempts: 3, lastStatus: 500, lastError: 'HTTP 500; gave up after 3 attempts' });
    expect(service.health()).toMatchObject({ status: 'degraded', detail: { failedLastHour: 1, pending: 0 } });
    expect(logged.some((line) => line.includes('failed for good'))).toBe(true);
    expect(logged.join('\n')).not.toContain(SECRET);
  });

  it('takes each event once per (alertId, updatedAt), whatever the bus redelivers', async () => {
    const { service } = await start();
    const first = alertEvent('p-3', 1_795_000_000_000);
    await bus.publish(busTopics.alerts, 'p-3', first);
    await bus.publish(busTopics.alerts, 'p-3', first);
    await bus.publish(busTopics.alerts, 'p-3', alertEvent('p-3', 1_795_000_005_000, { summary: 'NEWS2 8' }));
    await bus.publish(busTopics.alerts, 'p-3', { not: 'an alert event' });

    await until(() => bus.lag(busTopics.alerts, 'alert-delivery') === 0 && service.health().detail!['pending'] === 0, 'the deliveries');
    expect(service.listDeliveries({ limit: 10 }).map((d) => d.eventId)).toEqual([`${first.alertId}@1795000005000`, `${first.alertId}@1795000000000`]);
    expect(receiver.requests).toHaveLength(2);
  });

  it('keeps pending deliveries and the consumer position across a restart', async () => {
    receiver.status = 503;
    const first = await start({ retry: { baseDelayMs: 20, maxDelayMs: 40, maxAttempts: 1000, maxAgeMs: 600_000 } });
    await bus.publish(busTopics.alerts, 'p-4', alertEvent('p-4', 1_795_000_000_000));
    await until(() => receiver.requests.length >= 2, 'a retried attempt');
    await first.stop();
    const attemptsBefore = receiver.requests.length;

    // while it is down: another event arrives, and the receiver recovers
    await bus.publish(busTopics.alerts, 'p-5', alertEvent('p-5', 1_795_000_001_000));
    receiver.status = 200;
    expect(receiver.requests).toHaveLength(attemptsBefore);

    const second = await start({ retry: { baseDelayMs: 20, maxDelayMs: 40, maxAttempts: 1000, maxAgeMs: 600_000 } });
    await until(() => second.service.listDeliveries({ state: 'delivered', limit: 10 }).length === 2, 'both deliveries');
    const deliveries = second.service.listDeliveries({ limit: 10 });
    expect(deliveries).toHaveLength(2);
    expect(deliveries.find((d) => d.eventId.includes('p-4'))!.attempts).toBeGreaterThan(attemptsBefore);
    const delivered = receiver.requests.filter((r) => r.headers['pulseproof-delivery-attempt'] !== undefined).map((r) => JSON.parse(r.body).alert.patientId);
    expect(delivered.filter((p) => p === 'p-5')).toHaveLength(1);
  });

  it('fails pending deliveries to a URL that is no longer configured, at start', async () => {
    receiver.status = 503;
    const first = await start({ retry: { baseDelayMs: 50, maxDelayMs: 100, maxAttempts: 1000, maxAgeMs: 600_000 } });
    await bus.publish(busTopics.alerts, 'p-6', alertEvent('p-6', 1_795_000_000_000));
    await until(() => receiver.requests.length >= 1, 'a first attempt');
    await first.stop();

    const other = await new Receiver().start();
    try {
      const second = await start({ urls: [other.url] });
      expect(second.service.listDeliveries({ state: 'failed', limit: 10 })[0]).toMatchObject({ lastError: 'the URL is no longer configured' });
    } finally {
      await other.stop();
    }
  });
});
