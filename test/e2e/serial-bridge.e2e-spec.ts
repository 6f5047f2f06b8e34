import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceRegistry } from '@pulseproof/ingest';
import { encodeFrame, FirmwareBridge, parseBridgeConfig } from '@pulseproof/firmware-bridge';
import { PatientModel, toDeviceMessage } from '@pulseproof/simulators';
import { EmbeddedSystem, PulseProofConfig, startEmbedded } from 'pulseproof';
import { PtyPair, startPtyPair } from '../../firmware-bridge/src/testing/pty-pair';
import { eventually, getJson, testConfig } from './support';

jest.setTimeout(120_000);

/**
 * A serial device's path, end to end: a simulated patient's readings are framed as firmware frames
 * them (serial protocol v1), written into one end of a real pty pair (socat), read by the bridge at
 * the other end, published as the gateway, and stored by the embedded PulseProof. Line noise in
 * between is rejected by the checksum and never reaches the store.
 */
describe('serial device -> firmware bridge -> PulseProof', () => {
  const ptyDir = mkdtempSync(join(tmpdir(), 'pp-serial-'));
  let config: PulseProofConfig;
  let system: EmbeddedSystem;
  let pty: PtyPair;
  let bridge: FirmwareBridge;

  beforeAll(async () => {
    config = testConfig();
    system = await startEmbedded(config, { logLevels: ['error', 'warn', 'log'] });
    // The bridge signs in as its gateway; the serial device behind it has no credentials of its own.
    const registry = system.app.get(DeviceRegistry);
    const gateway = await registry.registerPrincipal('gateway', 'gw-ward-1');
    await registry.registerDevice({ deviceId: 'serial-bed-1', patientId: 'patient-serial', gatewayId: 'gw-ward-1', credentials: false });
    pty = await startPtyPair(ptyDir, 'bed');
    bridge = new FirmwareBridge(
      parseBridgeConfig(
        {
          broker: { url: system.mqttUrl, clientId: 'gw-ward-1', ...gateway },
          bufferDir: join(ptyDir, 'buffer'),
          ports: [{ path: pty.bridgePath, baudRate: 115200, devices: ['serial-bed-1'] }],
        },
        ptyDir,
      ),
    );
    bridge.start();
    // Opening a serial port flushes its input: bytes the device wrote before then are gone, as on
    // a real line, so the device speaks only once the bridge listens.
    await eventually('the bridge to open its port', async () => (bridge.stats().portsOpen === 1 ? true : undefined));
  });

  afterAll(async () => {
    await bridge?.stop(2_000);
    await pty?.kill();
    await system?.stop();
    rmSync(ptyDir, { recursive: true, force: true });
    rmSync(config.dataDir, { recursive: true, force: true });
  });

  it('stores every framed reading once and none of the noise', async () => {
    const model = new PatientModel({ seed: 11 });
    const start = Date.now() - 60_000;
    const sent: number[] = [];
    for (let i = 0; i < 30; i++) {
      const message = toDeviceMessage('serial-bed-1', 70_000 + i, start + i * 1000, model.next(1000));
      const measurements = Object.fromEntries(Object.entries(message.measurements).map(([code, m]) => [code, m.value]));
      const frame = encodeFrame({ deviceId: message.deviceId, seq: message.seq, ts: message.ts, measurements });
      if (i % 10 === 5) {
        // A frame with one flipped digit: the CRC no longer matches, so it must never be stored.
        pty.write(frame.replace(/=(\d)/, (_m, d: string) => `=${(Number(d) + 1) % 10}`));
        pty.write('\x00\xff garbage on the line \r\n');
        continue;
      }
      pty.write(frame);
      sent.push(message.seq);
    }

    const readings = await eventually('the framed readings in the store', async () => {
      const { body } = await getJson(`${system.httpUrl}/api/patients/patient-serial/vitals?from=${start - 1}&to=${Date.now()}`);
      return body.readings.length >= sent.length ? body.readings : undefined;
    });
    expect(readings.map((r: { seq: number }) => r.seq)).toEqual(sent);
    // Stored first, then acknowledged: the bridge counts a reading as published on its PUBACK.
    await eventually('every reading acknowledged to the bridge', async () => (bridge.stats().published >= sent.length ? true : undefined));
    expect(bridge.stats()).toMatchObject({ framesOk: sent.length, published: sent.length, corruptByCode: { BRIDGE_E_CRC: 3 } });
  });
});
