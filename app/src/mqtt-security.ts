import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { DeviceRegistry, EmbeddedBrokerOptions, IssuedCredentials } from '@pulseproof/ingest';
import { FleetMember } from '@pulseproof/simulators';
import { MqttConfig } from './config';

/** The principal the simulated ward fleet of `npm start` publishes as (one connection per device). */
export const SIMULATOR_GATEWAY_ID = 'sim-gateway';

/** The embedded broker's options from the validated config: TLS files read now, so a bad one stops the start. */
export function embeddedBrokerOptions(mqtt: MqttConfig): EmbeddedBrokerOptions {
  const read = (file: string, variable: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw Object.assign(new Error(`${variable} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`), { code: 'INGEST_E_MQTT_TLS_FILE' });
    }
  };
  return {
    host: mqtt.host,
    port: mqtt.port,
    auth: mqtt.auth,
    rateLimit: mqtt.rateLimit,
    ...(mqtt.tls && {
      tls: {
        port: mqtt.tls.port,
        cert: read(mqtt.tls.certFile, 'MQTT_TLS_CERT_FILE'),
        key: read(mqtt.tls.keyFile, 'MQTT_TLS_KEY_FILE'),
        ...(mqtt.tls.caFile && { ca: read(mqtt.tls.caFile, 'MQTT_TLS_CA_FILE') }),
        clientCertificates: mqtt.tls.clientCertificates,
      },
    }),
  };
}

/** Said once at start: with auth off the broker trusts whoever connects. */
export function warnIfAuthOff(mqtt: MqttConfig): void {
  if (mqtt.auth === 'off') {
    new Logger('MqttAuth').warn('MQTT_AUTH=off: any client may connect and publish for any device. For experiments only; unset it (default "required") for real devices.');
  }
}

/**
 * Registers the simulated fleet as a real hospital would a serial bridge: one gateway principal
 * (a fresh secret at every start, kept in memory only) with every simulated device attached to it
 * and assigned to its patient. Returns the gateway's credentials for startFleet.
 */
export async function registerSimulatedFleet(registry: DeviceRegistry, members: readonly FleetMember[]): Promise<IssuedCredentials> {
  const known = registry.principal(SIMULATOR_GATEWAY_ID);
  if (known?.status === 'revoked') {
    throw Object.assign(new Error(`the simulator's gateway "${SIMULATOR_GATEWAY_ID}" was revoked in this DATA_DIR: start with SIM_PATIENTS=0 or another DATA_DIR`), {
      code: 'INGEST_E_REGISTRY_REVOKED',
    });
  }
  const credentials = known ? await registry.rotateSecret(SIMULATOR_GATEWAY_ID) : await registry.registerPrincipal('gateway', SIMULATOR_GATEWAY_ID);
  for (const { deviceId, patientId } of members) {
    const device = registry.device(deviceId);
    if (device?.status === 'revoked') {
      throw Object.assign(new Error(`simulated device ${deviceId} was revoked in this DATA_DIR: start with SIM_PATIENTS=0 or another DATA_DIR`), {
        code: 'INGEST_E_REGISTRY_REVOKED',
      });
    }
    if (!device) {
      await registry.registerDevice({ deviceId, patientId, gatewayId: SIMULATOR_GATEWAY_ID, credentials: false });
      continue;
    }
    if (device.gatewayId !== SIMULATOR_GATEWAY_ID) registry.attach(deviceId, SIMULATOR_GATEWAY_ID);
    if (device.patientId !== patientId) registry.move(deviceId, patientId);
  }
  return credentials;
}

/** The start summary's lines on how devices connect and sign in. */
export function mqttSummaryLines(mqtt: MqttConfig, mqttUrl: string, tlsPort: number | undefined): string[] {
  const host = mqtt.host === '0.0.0.0' ? '127.0.0.1' : mqtt.host;
  const lines = [`  MQTT broker    ${mqttUrl}  (devices publish to pulseproof/v1/devices/<deviceId>/readings, QoS 1)`];
  if (mqtt.tls && tlsPort !== undefined) {
    lines.push(`  MQTT over TLS  mqtts://${host}:${tlsPort}  (client certificates: ${mqtt.tls.clientCertificates}; a certificate's CN is the device id)`);
  }
  lines.push(
    mqtt.auth === 'required'
      ? '  device login   user name + password per device: npx pulseproof devices register <deviceId> --patient <patientId> prints them once'
      : '  device login   OFF (MQTT_AUTH=off): anyone may publish; for experiments only',
  );
  return lines;
}
