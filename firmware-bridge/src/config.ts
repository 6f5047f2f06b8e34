import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ID_PATTERN } from '@pulseproof/contracts';
import { BridgeRuntimeError } from './runtime-errors';

/**
 * The bridge's config file (JSON): which serial ports to read, which devices may speak on each,
 * where to publish and where to keep readings while the broker is away.
 *
 *   { "broker": { "url": "mqtt://broker:1883", "clientId": "gw-ward-7", "username": "gw-ward-7" },
 *     "bufferDir": "./bridge-data", "bufferMaxReadings": 100000,
 *     "ports": [{ "path": "/dev/ttyUSB0", "baudRate": 115200, "devices": ["bed-1", "bed-2"] }] }
 *
 * A relative bufferDir is resolved against the config file's folder, so the file means the same
 * thing whatever the working directory. Validated once and frozen; a bad value stops the start
 * with a message naming the field.
 */
export const DEFAULT_BUFFER_MAX_READINGS = 100_000;
/** 64 MiB: a reading is ~200 bytes of JSON, so the reading bound is normally the one that bites. */
export const DEFAULT_BUFFER_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_IN_FLIGHT = 32;

const MQTT_PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:']);
const idMessage = 'must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit';
const id = z.string().regex(ID_PATTERN, idMessage);

const brokerSchema = z.strictObject({
  url: z.string().refine((value) => {
    try {
      return MQTT_PROTOCOLS.has(new URL(value).protocol);
    } catch {
      return false;
    }
  }, 'must be an MQTT URL such as mqtt://host:1883 (mqtt, mqtts, ws or wss)'),
  /** the gateway's identity: its MQTT client id (one persistent session) */
  clientId: id,
  username: z.string().min(1).optional(),
  password: z.string().optional(),
});

const portSchema = z.strictObject({
  path: z.string().min(1, 'must name a serial device, e.g. /dev/ttyUSB0'),
  baudRate: z.number().int().positive('must be a positive whole number, e.g. 115200'),
  devices: z.array(id).min(1, 'must list at least one device id allowed on this port'),
});

export const bridgeConfigSchema = z
  .strictObject({
    broker: brokerSchema,
    bufferDir: z.string().min(1),
    bufferMaxReadings: z.number().int().min(1).default(DEFAULT_BUFFER_MAX_READINGS),
    bufferMaxBytes: z.number().int().min(1024).default(DEFAULT_BUFFER_MAX_BYTES),
    /** readings handed to the broker and not yet acknowledged, at most */
    maxInFlight: z.number().int().min(1).max(1000).default(DEFAULT_MAX_IN_FLIGHT),
    ports: z.array(portSchema).min(1, 'must list at least one serial port'),
  })
  .superRefine((config, ctx) => {
    const seenPaths = new Map<string, number>();
    const portOfDevice = new Map<string, number>();
    config.ports.forEach((port, index) => {
      const earlier = seenPaths.get(port.path);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['ports', index, 'path'], message: `${port.path} is already ports[${earlier}]` });
      seenPaths.set(port.path, index);
      for (const device of port.devices) {
        const other = portOfDevice.get(device);
        // A device on two ports would make its seq order ambiguous; one device, one cable.
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['ports', index, 'devices'], message: `device ${device} is already on ports[${other}]` });
        portOfDevice.set(device, index);
      }
    });
  });

export type BridgeConfig = Readonly<z.infer<typeof bridgeConfigSchema>>;
export type PortConfig = BridgeConfig['ports'][number];

/** Validates a parsed config; baseDir resolves a relative bufferDir. Throws BRIDGE_E_CONFIG. */
export function parseBridgeConfig(value: unknown, baseDir: string, source = 'config'): BridgeConfig {
  const result = bridgeConfigSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
    throw new BridgeRuntimeError('BRIDGE_E_CONFIG', `${source}: ${where}${issue.message}${more}`);
  }
  const config = result.data;
  return deepFreeze({ ...config, bufferDir: path.resolve(baseDir, config.bufferDir) });
}

/** Reads and validates a config file. Throws BRIDGE_E_CONFIG naming the file. */
export function loadBridgeConfig(file: string): BridgeConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new BridgeRuntimeError('BRIDGE_E_CONFIG', `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BridgeRuntimeError('BRIDGE_E_CONFIG', `${file}: not valid JSON (${(error as Error).message})`);
  }
  return parseBridgeConfig(value, path.dirname(path.resolve(file)), file);
}

function formatPath(segments: readonly PropertyKey[]): string {
  return segments.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i > 0 ? '.' : ''}${String(segment)}`)).join('');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
