import { mqttTopics } from '@pulseproof/contracts';
import { readingPayload, SecuredIngest, startSecuredIngest } from './testing/secured-ingest';
import { IngestService } from './ingest.service';

/**
 * IngestService's own check of the sender (the broker checks the topic first; this one runs when
 * the reading is about to be stored), and the refusals the transport hands over to dead-letter.
 */
describe('IngestService and the signed-in principal', () => {
  let ingest: SecuredIngest;
  let service: IngestService;

  beforeEach(async () => {
    ingest = await startSecuredIngest();
    service = new IngestService({ dataDir: ingest.dir, maxPayloadBytes: 16_384, maxClockAheadMs: 300_000 }, ingest.store, ingest.registry, ingest.bus);
    await ingest.registry.registerDevice({ deviceId: 'bed-1', patientId: 'patient-1', at: 0 });
    await ingest.registry.registerDevice({ deviceId: 'bed-2', patientId: 'patient-2', at: 0 });
  });

  afterEach(() => ingest.close());

  const message = (deviceId: string, seq: number, principal?: { kind: 'device' | 'gateway'; id: string }) => ({
    topic: mqttTopics.readings(deviceId),
    payload: Buffer.from(readingPayload(deviceId, seq)),
    ...(principal && { principal }),
  });

  it('stores a reading from its own device, refuses one signed in as another or revoked since', async () => {
    await expect(service.handle(message('bed-1', 1, { kind: 'device', id: 'bed-1' }))).resolves.toBe('accepted');
    await expect(service.handle(message('bed-1', 2, { kind: 'device', id: 'bed-2' }))).resolves.toBe('refused');
    ingest.registry.revoke('bed-1');
    await expect(service.handle(message('bed-1', 3, { kind: 'device', id: 'bed-1' }))).resolves.toBe('refused');
    expect(await ingest.store.get('bed-1', 2)).toBeUndefined();
    const letters = await ingest.deadLetters();
    expect(letters.map((l) => [l.reason, l.detail])).toEqual([
      ['INGEST_E_NOT_AUTHORISED', 'device "bed-2" may not publish for device "bed-1"'],
      ['INGEST_E_NOT_AUTHORISED', 'device "bed-1" may not publish for device "bed-1"'],
    ]);
  });

  it('dead-letters what the transport refused with its code, without reading the payload', async () => {
    const refused = { ...message('bed-1', 4), refusal: { code: 'INGEST_E_RATE_LIMITED' as const, detail: 'over 20 readings/s' } };
    await expect(service.handle(refused)).resolves.toBe('refused');
    expect(await ingest.store.get('bed-1', 4)).toBeUndefined();
    expect((await ingest.deadLetters()).map((l) => [l.reason, l.detail, l.deviceId])).toEqual([['INGEST_E_RATE_LIMITED', 'over 20 readings/s', 'bed-1']]);
  });
});
