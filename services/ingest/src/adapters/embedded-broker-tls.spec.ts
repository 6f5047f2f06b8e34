import { connectAsync, IClientOptions } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { IssuedCredentials } from '../registry/device-registry';
import { readingPayload, SecuredIngest, startSecuredIngest } from '../testing/secured-ingest';
import { makeTestPki, TestPki } from '../testing/test-pki';
import { ClientCertificateMode } from './broker-tls';

/**
 * The TLS listener and mTLS identities, with certificates made by Debian's openssl CLI: a device
 * whose certificate the configured CA signed signs in as the principal its subject CN names.
 */
describe('EmbeddedBroker TLS listener', () => {
  let pki: TestPki;
  let foreign: TestPki;

  beforeAll(() => {
    pki = makeTestPki();
    foreign = makeTestPki('pp-pki-foreign-');
  });

  afterAll(() => {
    pki.remove();
    foreign.remove();
  });

  async function start(mode: ClientCertificateMode): Promise<{ ingest: SecuredIngest; url: string; bed1: IssuedCredentials }> {
    const ingest = await startSecuredIngest({
      tls: { port: 0, cert: pki.server.cert, key: pki.server.key, ca: pki.ca, clientCertificates: mode },
    });
    const bed1 = (await ingest.registry.registerDevice({ deviceId: 'bed-1', patientId: 'patient-1', at: 0 })).credentials!;
    await ingest.registry.registerDevice({ deviceId: 'bed-2', patientId: 'patient-2', at: 0 });
    return { ingest, url: `mqtts://127.0.0.1:${ingest.broker.tlsPort}`, bed1 };
  }

  /** 0 when connected (and disconnects), the CONNACK code when refused, the error code when TLS failed */
  const attempt = (url: string, options: IClientOptions) =>
    connectAsync(url, { reconnectPeriod: 0, ca: pki.ca, ...options }, false).then(
      (client) => client.endAsync(true).then(() => 0 as number | string),
      (error: { code?: number | string; message: string }) => error.code ?? error.message,
    );

  it('signs a device in by its certificate CN alone and stores its readings as that device', async () => {
    const { ingest, url } = await start('optional');
    try {
      const cert = pki.client('bed-2');
      const device = await connectAsync(url, { reconnectPeriod: 0, clientId: 'bed-2', ca: pki.ca, ...cert });
      await device.publishAsync(mqttTopics.readings('bed-2'), readingPayload('bed-2', 1), { qos: 1 });
      await device.publishAsync(mqttTopics.readings('bed-1'), readingPayload('bed-1', 1), { qos: 1 });
      await device.endAsync(true);
      expect(await ingest.store.get('bed-2', 1)).toMatchObject({ patientId: 'patient-2' });
      expect(await ingest.store.get('bed-1', 1)).toBeUndefined();
      expect((await ingest.deadLetters()).map((l) => [l.reason, l.deviceId])).toEqual([['INGEST_E_NOT_AUTHORISED', 'bed-1']]);
    } finally {
      await ingest.close();
    }
  });

  it('refuses a CN naming nobody, a certificate of another CA, and a user name that differs from the CN', async () => {
    const { ingest, url, bed1 } = await start('optional');
    try {
      expect(await attempt(url, { clientId: 'ghost', ...pki.client('ghost') })).toBe(5);
      // Another CA's certificate (its CA even has the same name): the connection is closed unanswered.
      expect(await attempt(url, { clientId: 'bed-1', ...foreign.client('bed-1') })).not.toBe(0);
      expect(await attempt(url, { clientId: 'bed-2', ...pki.client('bed-2'), username: 'bed-1', password: bed1.password })).toBe(5);
      // Optional: without a certificate, the password signs the device in, as on the plain port.
      expect(await attempt(url, { clientId: 'bed-1', ...bed1 })).toBe(0);
      expect(await attempt(url, { clientId: 'bed-1', username: 'bed-1', password: 'wrong' })).toBe(4);
      // A certificate with the principal's own password is fine; with a wrong one it is not.
      expect(await attempt(url, { clientId: 'bed-1', ...pki.client('bed-1'), ...bed1 })).toBe(0);
      expect(await attempt(url, { clientId: 'bed-1', ...pki.client('bed-1'), username: 'bed-1', password: 'wrong' })).toBe(4);
      // A revoked principal's certificate stops working with it.
      const revokedCert = pki.client('bed-2');
      ingest.registry.revoke('bed-2');
      expect(await attempt(url, { clientId: 'bed-2', ...revokedCert })).toBe(5);
    } finally {
      await ingest.close();
    }
  });

  it('ends the handshake of a device without a certificate when certificates are required', async () => {
    const { ingest, url, bed1 } = await start('required');
    try {
      expect(await attempt(url, { clientId: 'bed-1', ...bed1 })).not.toBe(0);
      expect(await attempt(url, { clientId: 'bed-1', ...pki.client('bed-1') })).toBe(0);
      // The plain listener still takes passwords.
      expect(await attempt(ingest.url, { clientId: 'bed-1', ...bed1 })).toBe(0);
    } finally {
      await ingest.close();
    }
  });
});
