import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_BUFFER_MAX_READINGS, loadBridgeConfig, parseBridgeConfig } from './config';
import { BridgeRuntimeError } from './runtime-errors';

const valid = {
  broker: { url: 'mqtt://127.0.0.1:1883', clientId: 'gw-ward-7', username: 'gw-ward-7' },
  bufferDir: 'data',
  ports: [{ path: '/dev/ttyUSB0', baudRate: 115200, devices: ['bed-1', 'bed-2'] }],
};

function messageOf(value: unknown): string {
  try {
    parseBridgeConfig(value, '/etc/pp', 'bridge.json');
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeRuntimeError);
    expect((error as BridgeRuntimeError).code).toBe('BRIDGE_E_CONFIG');
    return (error as Error).message;
  }
  throw new Error('config was accepted');
}

describe('bridge config', () => {
  it('accepts a valid file, fills defaults, resolves bufferDir against the file folder and freezes it', () => {
    const config = parseBridgeConfig(valid, '/etc/pp');
    expect(config.bufferDir).toBe('/etc/pp/data');
    expect(config.bufferMaxReadings).toBe(DEFAULT_BUFFER_MAX_READINGS);
    expect(Object.isFrozen(config.ports[0]!.devices)).toBe(true);
  });

  it('names the file and the field that is wrong', () => {
    expect(messageOf({ ...valid, ports: [{ ...valid.ports[0], baudRate: -9600 }] })).toBe(
      'bridge.json: ports[0].baudRate: must be a positive whole number, e.g. 115200',
    );
    expect(messageOf({ ...valid, broker: { ...valid.broker, url: 'http://x' } })).toMatch(/^bridge.json: broker.url: must be an MQTT URL/);
    expect(messageOf({ ...valid, ports: [{ ...valid.ports[0], devices: ['bed/1'] }] })).toMatch(/^bridge.json: ports\[0\].devices\[0\]: must be 1-64/);
    expect(messageOf({ ...valid, ports: [] })).toBe('bridge.json: ports: must list at least one serial port');
    expect(messageOf({ ...valid, extra: 1 })).toMatch(/^bridge.json: .*extra/);
  });

  it('refuses a device on two ports and a port listed twice', () => {
    const twice = { path: '/dev/ttyUSB1', baudRate: 9600, devices: ['bed-2'] };
    expect(messageOf({ ...valid, ports: [...valid.ports, twice] })).toBe('bridge.json: ports[1].devices: device bed-2 is already on ports[0]');
    expect(messageOf({ ...valid, ports: [...valid.ports, { ...twice, path: '/dev/ttyUSB0', devices: ['bed-3'] }] })).toBe(
      'bridge.json: ports[1].path: /dev/ttyUSB0 is already ports[0]',
    );
  });

  it('reports a missing file and bad JSON with the file name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bridge-config-'));
    try {
      expect(() => loadBridgeConfig(path.join(dir, 'none.json'))).toThrow(/none.json: cannot read \(ENOENT\)/);
      fs.writeFileSync(path.join(dir, 'bad.json'), '{ broker: ');
      expect(() => loadBridgeConfig(path.join(dir, 'bad.json'))).toThrow(/bad.json: not valid JSON/);
      fs.writeFileSync(path.join(dir, 'ok.json'), JSON.stringify(valid));
      expect(loadBridgeConfig(path.join(dir, 'ok.json')).bufferDir).toBe(path.join(dir, 'data'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
