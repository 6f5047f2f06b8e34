import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { INGEST_OPTIONS } from '../config';
import { AdminTokenGuard } from './admin-token.guard';
import { DeviceRegistry } from './device-registry';
import { DevicesAdmin } from './devices-admin';
import { DevicesController } from './devices.controller';
import { SqliteDeviceRegistry } from './sqlite-device-registry';

const TOKEN = 'test-admin-token-0123456789';

/** The controller with what IngestModule gives it, on a free loopback port. */
async function startApi(registry: DeviceRegistry, adminApiToken: string | undefined): Promise<{ app: INestApplication; url: string }> {
  @Module({
    controllers: [DevicesController],
    providers: [
      { provide: INGEST_OPTIONS, useValue: { dataDir: '', maxPayloadBytes: 16_384, maxClockAheadMs: 0, ...(adminApiToken && { adminApiToken }) } },
      { provide: DeviceRegistry, useValue: registry },
      DevicesAdmin,
      AdminTokenGuard,
    ],
  })
  class ApiModule {}
  const app = await NestFactory.create(ApiModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('device administration API', () => {
  let dir: string;
  let registry: SqliteDeviceRegistry;
  let app: INestApplication;
  let url: string;

  const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token !== null && { authorization: `Bearer ${token}` }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-devices-api-'));
    registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'), { scrypt: { N: 1 << 10, r: 8, p: 1, keyLength: 32 } });
    ({ app, url } = await startApi(registry, TOKEN));
  });
  afterAll(async () => {
    await app.close();
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 without the bearer token or with a wrong one', async () => {
    expect(await call('GET', '/api/devices', undefined, null)).toMatchObject({ status: 401, body: { message: expect.stringContaining('ADMIN_API_TOKEN') } });
    expect((await call('GET', '/api/devices', undefined, 'wrong')).status).toBe(401);
    expect((await call('POST', '/api/devices', { deviceId: 'x-1' }, `${TOKEN}x`)).status).toBe(401);
    expect(registry.device('x-1')).toBeUndefined();
  });

  it('answers 403 naming ADMIN_API_TOKEN and the CLI when no token is configured', async () => {
    const closed = await startApi(registry, undefined);
    try {
      const response = await fetch(`${closed.url}/api/devices`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(403);
      const { message } = (await response.json()) as { message: string };
      expect(message).toContain('ADMIN_API_TOKEN');
      expect(message).toContain('npx pulseproof devices');
    } finally {
      await closed.app.close();
    }
  });

  it('registers a device (201, credentials once), lists it and shows its assignments', async () => {
    const created = await call('POST', '/api/devices', { deviceId: 'bed-1', patientId: 'p-1', intervalMs: 30_000 });
    expect(created.status).toBe(201);
    expect(created.body.device).toMatchObject({ deviceId: 'bed-1', patientId: 'p-1', intervalMs: 30_000, hasCredentials: true });
    expect(created.body.credentials).toEqual({ username: 'bed-1', password: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    await expect(registry.authenticate('bed-1', created.body.credentials.password)).resolves.toEqual({ kind: 'device', id: 'bed-1' });

    const list = await call('GET', '/api/devices');
    expect(list).toMatchObject({ status: 200, body: [created.body.device] });
    expect(JSON.stringify(list.body)).not.toContain(created.body.credentials.password);
    const one = await call('GET', '/api/devices/bed-1');
    expect(one.body).toMatchObject({ deviceId: 'bed-1', assignments: [{ deviceId: 'bed-1', patientId: 'p-1', from: 0 }] });
    expect((await call('GET', '/api/devices/bed-9')).status).toBe(404);
  });

  it('moves, rotates and revokes, and registers principals', async () => {
    await call('POST', '/api/devices', { deviceId: 'bed-2', patientId: 'p-1', credentials: false });
    const moved = await call('POST', '/api/devices/bed-2/move', { patientId: 'p-2', at: '2026-11-22T10:00:00Z' });
    expect(moved.status).toBe(200);
    expect(moved.body.assignments.map((a: { patientId: string }) => a.patientId)).toEqual(['p-1', 'p-2']);
    expect(registry.patientFor('bed-2', Date.parse('2026-11-22T09:59:59Z'))).toBe('p-1');

    const gateway = await call('POST', '/api/principals', { kind: 'gateway', id: 'gw-1' });
    expect(gateway).toMatchObject({ status: 201, body: { principal: { kind: 'gateway', id: 'gw-1', status: 'active' }, credentials: { username: 'gw-1' } } });
    const rotated = await call('POST', '/api/devices/gw-1/rotate-secret');
    expect(rotated.status).toBe(200);
    await expect(registry.authenticate('gw-1', gateway.body.credentials.password)).resolves.toBeUndefined();
    await expect(registry.authenticate('gw-1', rotated.body.credentials.password)).resolves.toEqual({ kind: 'gateway', id: 'gw-1' });

    expect(await call('POST', '/api/devices/bed-2/revoke')).toMatchObject({ status: 200, body: { id: 'bed-2', status: 'revoked' } });
    expect(registry.patientFor('bed-2', Date.now())).toBeUndefined();
  });

  it('answers 400 with a message for bad input, 409 for conflicts', async () => {
    expect(await call('POST', '/api/devices', {})).toMatchObject({ status: 400, body: { message: '"deviceId" is required' } });
    expect(await call('POST', '/api/devices', { deviceId: 'bed/9' })).toMatchObject({ status: 400, body: { message: expect.stringContaining('1-64 characters') } });
    expect(await call('POST', '/api/devices', { deviceId: 'bed-9', intervalMs: '60s' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/api/devices', { deviceId: 'bed-9', at: 'yesterday' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/api/devices', [1, 2])).toMatchObject({ status: 400 });
    expect(await call('POST', '/api/principals', { kind: 'device', id: 'x' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/api/devices/bed-1/move', { at: 1 })).toMatchObject({ status: 400, body: { message: '"patientId" is required' } });
    expect(await call('POST', '/api/devices/bed-1/move', { patientId: 'p-2', at: 1 })).toMatchObject({ status: 200 });
    expect(await call('POST', '/api/devices/bed-1/move', { patientId: 'p-3', at: 0 })).toMatchObject({ status: 400, body: { message: expect.stringContaining('began at') } });
    expect(await call('POST', '/api/devices', { deviceId: 'bed-1' })).toMatchObject({ status: 409 });
    expect(await call('POST', '/api/devices/bed-2/rotate-secret')).toMatchObject({ status: 409 });
  });
});
