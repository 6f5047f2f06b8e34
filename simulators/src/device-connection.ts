import { IClientOptions, MqttClient } from 'mqtt';
import type { DeviceTlsOptions } from './device';
import { SimulatorError, redactUrl } from './errors';

/** Connection helpers of SimulatedDevice: TLS options, the first CONNACK, and what a failure means. */
export function tlsClientOptions(tls: DeviceTlsOptions | undefined): Partial<IClientOptions> {
  if (!tls) return {};
  return {
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

/** Resolves on the first CONNACK; rejects on an error or when the first attempt closes without one. */
export function firstConnection(client: MqttClient, lastError: () => Error | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = () => settle(() => resolve());
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () =>
      settle(() => reject(lastError() ?? new Error('the connection closed before the broker answered CONNECT')));
    function settle(action: () => void) {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      action();
    }
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}

/** CONNACK return codes that mean "the broker is there and said no" ([MQTT-3.2.2.3]; MQTT 5 reason codes). */
const REFUSED_CODES = new Set<number | string>([1, 2, 3, 4, 5, 0x85, 0x86, 0x87, 0x8c]);

export function describeConnectionFailure(error: Error, brokerUrl: string, deviceId: string): SimulatorError {
  const url = redactUrl(brokerUrl);
  const code = (error as Error & { code?: number | string }).code;
  if (code !== undefined && REFUSED_CODES.has(code)) {
    return new SimulatorError(
      'SIM_E_BROKER_REJECTED',
      `the MQTT broker at ${url} refused device ${deviceId}: ${error.message}`,
      { cause: error },
    );
  }
  const reason = typeof code === 'string' ? code : error.message;
  return new SimulatorError('SIM_E_BROKER_UNREACHABLE', `could not reach the MQTT broker at ${url} (${reason})`, {
    cause: error,
  });
}
