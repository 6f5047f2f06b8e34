import { DynamicModule, Global, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, SqliteBus } from '@pulseproof/bus';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertsModule } from '../alerts.module';

@Global()
@Module({})
class TestBusModule {
  static with(bus: Bus): DynamicModule {
    return { module: TestBusModule, providers: [{ provide: Bus, useValue: bus }], exports: [Bus] };
  }
}

/** Status, content type and the first bytes of a GET; the stream is left once its headers are in. */
function head(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (String(res.headers['content-type']).includes('text/event-stream')) {
          request.destroy();
          resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    request.on('error', reject);
  });
}

describe('delivery routes inside AlertsModule', () => {
  let dir: string;
  let bus: SqliteBus;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-delivery-routes-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite') });
    @Module({ imports: [TestBusModule.with(bus), AlertsModule.forRoot({ dataDir: dir, delivery: { stream: { heartbeatMs: 60_000 } } })] })
    class TestApp {}
    app = await NestFactory.create(TestApp, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /api/alerts/stream and /api/alerts/deliveries, not an alert called "stream" or "deliveries"', async () => {
    const stream = await head(`${base}/api/alerts/stream`);
    expect(stream.status).toBe(200);
    expect(stream.type).toContain('text/event-stream');
    const deliveries = await head(`${base}/api/alerts/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(JSON.parse(deliveries.body)).toEqual([]);
    expect((await head(`${base}/api/alerts/deliveries?state=lost`)).status).toBe(400);
  });
});
