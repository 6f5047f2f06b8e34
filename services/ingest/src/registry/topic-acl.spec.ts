import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mqttTopics } from '@pulseproof/contracts';
import { Principal } from './device-registry';
import { SqliteDeviceRegistry } from './sqlite-device-registry';
import { filterWithin, isValidFilter, mayPublish, maySubscribe } from './topic-acl';

describe('topic rules', () => {
  let dir: string;
  let registry: SqliteDeviceRegistry;
  const device: Principal = { kind: 'device', id: 'bed-1' };
  const gateway: Principal = { kind: 'gateway', id: 'gw-1' };
  const consoleP: Principal = { kind: 'console', id: 'ward-3' };
  const unit: Principal = { kind: 'unit', id: 'amb-7' };
  const service: Principal = { kind: 'service', id: 'ingest' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-acl-'));
    registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'), { scrypt: { N: 1 << 10, r: 8, p: 1, keyLength: 32 } });
    await registry.registerDevice({ deviceId: 'bed-1' });
    await registry.registerDevice({ deviceId: 'bed-2' });
    await registry.registerPrincipal('gateway', 'gw-1');
    await registry.registerDevice({ deviceId: 'serial-1', gatewayId: 'gw-1', credentials: false });
    await registry.registerDevice({ deviceId: 'serial-2', gatewayId: 'gw-1', credentials: false });
    await registry.registerPrincipal('console', 'ward-3');
    await registry.registerPrincipal('unit', 'amb-7');
    await registry.registerPrincipal('service', 'ingest');
    await registry.registerDevice({ deviceId: 'bed-gone' });
    registry.revoke('bed-gone');
    registry.revoke('serial-2');
  });
  afterAll(() => {
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pub = (p: Principal, topic: string) => mayPublish(p, topic, registry);
  const sub = (p: Principal, filter: string) => maySubscribe(p, filter, registry);

  it('lets a device publish its own readings and status, and nothing else', () => {
    expect(pub(device, mqttTopics.readings('bed-1'))).toBe(true);
    expect(pub(device, mqttTopics.status('bed-1'))).toBe(true);
    expect(pub(device, mqttTopics.readings('bed-2'))).toBe(false);
    expect(pub(device, mqttTopics.commands('bed-1'))).toBe(false);
    expect(pub(device, mqttTopics.alerts('p-1'))).toBe(false);
    expect(pub(device, '$SYS/broker/uptime')).toBe(false);
    expect(pub(device, 'elsewhere/bed-1/readings')).toBe(false);
    expect(pub(device, 'pulseproof/v1/devices/+/readings')).toBe(false);
    expect(pub({ kind: 'device', id: 'bed-gone' }, mqttTopics.readings('bed-gone'))).toBe(false);
    // a principal claiming a kind it does not have gets nothing
    expect(pub({ kind: 'device', id: 'gw-1' }, mqttTopics.readings('gw-1'))).toBe(false);
  });

  it('lets a device subscribe only to its own commands topic, never through a wildcard', () => {
    expect(sub(device, mqttTopics.commands('bed-1'))).toBe(true);
    expect(sub(device, `$share/g/${mqttTopics.commands('bed-1')}`)).toBe(true);
    for (const filter of [
      mqttTopics.commands('bed-2'),
      'pulseproof/v1/devices/+/commands',
      'pulseproof/v1/devices/bed-1/+',
      'pulseproof/v1/devices/bed-1/#',
      'pulseproof/v1/#',
      '#',
      '+/v1/devices/bed-1/commands',
      '$SYS/#',
      mqttTopics.readings('bed-1'),
      'pulseproof/v1/devices/bed-1/commands/#',
      '$share//pulseproof/v1/devices/bed-1/commands',
    ]) {
      expect([filter, sub(device, filter)]).toEqual([filter, false]);
    }
  });

  it('lets a gateway publish and subscribe for its active attached devices only', () => {
    expect(pub(gateway, mqttTopics.readings('serial-1'))).toBe(true);
    expect(pub(gateway, mqttTopics.status('serial-1'))).toBe(true);
    expect(pub(gateway, mqttTopics.readings('serial-2'))).toBe(false); // revoked
    expect(pub(gateway, mqttTopics.readings('bed-1'))).toBe(false); // not attached
    expect(pub(gateway, mqttTopics.readings('gw-1'))).toBe(false);
    expect(sub(gateway, mqttTopics.commands('serial-1'))).toBe(true);
    expect(sub(gateway, mqttTopics.commands('bed-1'))).toBe(false);
    expect(sub(gateway, 'pulseproof/v1/devices/+/commands')).toBe(false);
  });

  it('lets a console subscribe to alerts and unit status (or narrower), and publish nothing', () => {
    expect(sub(consoleP, 'pulseproof/v1/alerts/#')).toBe(true);
    expect(sub(consoleP, 'pulseproof/v1/alerts/p-1')).toBe(true);
    expect(sub(consoleP, 'pulseproof/v1/alerts/+')).toBe(true);
    expect(sub(consoleP, 'pulseproof/v1/units/+/status')).toBe(true);
    expect(sub(consoleP, 'pulseproof/v1/units/amb-7/status')).toBe(true);
    expect(sub(consoleP, 'pulseproof/v1/units/+/dispatch')).toBe(false);
    expect(sub(consoleP, 'pulseproof/v1/units/#')).toBe(false);
    expect(sub(consoleP, 'pulseproof/v1/+/p-1')).toBe(false);
    expect(sub(consoleP, 'pulseproof/v1/devices/+/readings')).toBe(false);
    expect(sub(consoleP, '#')).toBe(false);
    expect(pub(consoleP, mqttTopics.alerts('p-1'))).toBe(false);
  });

  it('lets a unit publish its own status and subscribe to its own dispatch orders', () => {
    expect(pub(unit, mqttTopics.unitStatus('amb-7'))).toBe(true);
    expect(pub(unit, mqttTopics.unitStatus('amb-8'))).toBe(false);
    expect(pub(unit, mqttTopics.unitDispatch('amb-7'))).toBe(false);
    expect(sub(unit, mqttTopics.unitDispatch('amb-7'))).toBe(true);
    expect(sub(unit, mqttTopics.unitDispatch('amb-8'))).toBe(false);
    expect(sub(unit, 'pulseproof/v1/units/+/dispatch')).toBe(false);
  });

  it("lets the service read device and unit topics (shared subscriptions too) and write commands, alerts and dispatch", () => {
    expect(sub(service, '$share/ingest/pulseproof/v1/devices/+/readings')).toBe(true);
    expect(sub(service, 'pulseproof/v1/devices/+/status')).toBe(true);
    expect(sub(service, 'pulseproof/v1/#')).toBe(false);
    expect(pub(service, mqttTopics.commands('bed-1'))).toBe(true);
    expect(pub(service, mqttTopics.alerts('p-1'))).toBe(true);
    expect(pub(service, mqttTopics.unitDispatch('amb-7'))).toBe(true);
    expect(pub(service, mqttTopics.readings('bed-1'))).toBe(false);
    expect(pub(service, '$SYS/x')).toBe(false);
  });

  it('checks filter syntax and containment by the MQTT wildcard rules', () => {
    expect(isValidFilter('a/+/c')).toBe(true);
    expect(isValidFilter('a/#')).toBe(true);
    expect(isValidFilter('a/#/c')).toBe(false);
    expect(isValidFilter('a/b#')).toBe(false);
    expect(isValidFilter('a/+b')).toBe(false);
    expect(isValidFilter('')).toBe(false);
    expect(filterWithin('a/b', 'a/#')).toBe(true);
    expect(filterWithin('a', 'a/#')).toBe(true); // [MQTT-4.7.1-2]
    expect(filterWithin('a/#', 'a/+')).toBe(false);
    expect(filterWithin('a/+', 'a/b')).toBe(false);
    expect(filterWithin('a/b/c', 'a/+')).toBe(false);
    expect(filterWithin('a/+/c', 'a/+/c')).toBe(true);
  });
});
