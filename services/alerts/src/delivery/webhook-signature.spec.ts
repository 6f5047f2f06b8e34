import { SIGNATURE_HEADER, signWebhook, signatureOf, verifyWebhook } from './webhook-signature';

const secret = 'whsec-0123456789abcdef';
const body = JSON.stringify({ id: 'news2:p1:bed-1:7@1795000000000', type: 'alert.raised', alert: { alertId: 'news2:p1:bed-1:7' } });
const now = 1_795_000_000_123;

describe('webhook signature (t=...,v1=HMAC-SHA256 over "t.body")', () => {
  it('names its header as receivers look it up', () => {
    expect(SIGNATURE_HEADER).toBe('PulseProof-Signature');
  });

  it('is the HMAC-SHA256 of "<t>.<body>" under the secret, hex', () => {
    const header = signWebhook(secret, body, now);
    expect(header).toBe(`t=1795000000,v1=${signatureOf(secret, 1795000000, body)}`);
    // an independent computation, so that the scheme documented in docs/alerts-delivery.md holds
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    expect(header.split('v1=')[1]).toBe(createHmac('sha256', secret).update(`1795000000.${body}`).digest('hex'));
  });

  it('verifies what it signed', () => {
    expect(verifyWebhook(secret, body, signWebhook(secret, body, now), now)).toEqual({ ok: true, timestampS: 1795000000 });
  });

  it('refuses a changed body, a wrong secret and a missing header', () => {
    const header = signWebhook(secret, body, now);
    expect(verifyWebhook(secret, body.replace('p1', 'p2'), header, now)).toMatchObject({ ok: false, reason: 'signature does not match' });
    expect(verifyWebhook('another-secret-0123456789', body, header, now)).toMatchObject({ ok: false });
    expect(verifyWebhook(secret, body, undefined, now)).toMatchObject({ ok: false, reason: 'no signature header' });
  });

  it('refuses a timestamp moved to replay an old signature, and one outside the tolerance', () => {
    const header = signWebhook(secret, body, now);
    const moved = header.replace('t=1795000000', 't=1795000299');
    expect(verifyWebhook(secret, body, moved, now + 299_000)).toMatchObject({ ok: false, reason: 'signature does not match' });
    expect(verifyWebhook(secret, body, header, now + 301_000)).toMatchObject({ ok: false, reason: 'timestamp outside the tolerance' });
    expect(verifyWebhook(secret, body, header, now + 299_000)).toMatchObject({ ok: true });
  });

  it('accepts the header when one of several v1 signatures matches (secret rotation)', () => {
    const header = signWebhook(secret, body, now);
    const withOld = `${header.split(',')[0]},v1=${'00'.repeat(32)},${header.split(',')[1]}`;
    expect(verifyWebhook(secret, body, withOld, now)).toMatchObject({ ok: true });
    expect(verifyWebhook(secret, body, 'v1=abcd', now)).toMatchObject({ ok: false, reason: 'no timestamp in the signature header' });
  });
});
