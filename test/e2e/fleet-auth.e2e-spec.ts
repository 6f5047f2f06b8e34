import { rmSync } from 'node:fs';
import { connectAsync } from 'mqtt';
import { DeviceRegistry } from '@pulseproof/ingest';
import { EmbeddedSystem, PulseProofConfig, startEmbedded } from 'pulseproof';
import { eventually, getJson, testConfig } from './support';

jest.setTimeout(120_000);

/**
 * `npm start` with MQTT_AUTH=required (the default): the simulated fleet signs in as the gateway
 * `sim-gateway` its devices are attached to, with a secret rotated at every start, and the summary
 * tells how a real device gets credentials.
 */
describe('embedded start with the simulated fleet, auth required', () => {
  let config: PulseProofConfig;
  let system: EmbeddedSystem | undefined;

  beforeAll(() => {
    config = testConfig({ SIM_PATIENTS: '2', SIM_DETERIORATING: '0', SIM_INTERVAL_MS: '100', SIM_AMBULANCES: '0' });
  });

  afterAll(async () => {
    await system?.stop();
    rmSync(config.dataDir, { recursive: true, force: true });
  });

  const storedCount = async (running: EmbeddedSystem) => {
    const { body } = await getJson(`${running.httpUrl}/api/health`);
    return (body.components.ingest.detail.accepted as number) ?? 0;
  };

  it('stores the fleet readings as the gateway, and again after a restart with a rotated secret', async () => {
    system = await startEmbedded(config, { logLevels: ['error'] });
    expect(system.summary().join('\n')).toContain('npx pulseproof devices register <deviceId> --patient <patientId>');
    const registry = system.app.get(DeviceRegistry);
    expect(registry.principal('sim-gateway')).toMatchObject({ kind: 'gateway', status: 'active' });
    expect(system.fleet!.members.map((m) => registry.device(m.deviceId)?.gatewayId)).toEqual(['sim-gateway', 'sim-gateway']);
    await eventually('readings of both simulated devices stored', async () => ((await storedCount(system!)) >= 4 ? true : undefined));
    expect(system.fleet!.stats()).toMatchObject({ connected: 2 });

    // Nobody else gets in without credentials.
    const anonymous = await connectAsync(system.mqttUrl, { clientId: 'anonymous', reconnectPeriod: 0 }).catch((e: { code?: number }) => e.code);
    expect(anonymous).toBe(5);

    await system.stop();
    system = await startEmbedded(config, { logLevels: ['error'] });
    await eventually('readings stored after the restart', async () => ((await storedCount(system!)) >= 4 ? true : undefined));
    expect(system.fleet!.stats()).toMatchObject({ connected: 2, errors: 0 });
  });
});
