import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook signature, after Stripe's `Stripe-Signature` scheme:
 *
 *   PulseProof-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is signed with the body, so a captured request cannot be replayed later than the
 * receiver's tolerance; `v1` names the scheme so a new one can be added beside it. Each attempt is
 * signed afresh (a retry carries a newer `t`). docs/alerts-delivery.md shows a receiver.
 */
export const SIGNATURE_HEADER = 'PulseProof-Signature';
export const SIGNATURE_SCHEME = 'v1';
/** how old a signed request a receiver should accept, seconds (Stripe's default) */
export const DEFAULT_TOLERANCE_S = 300;

export function signatureOf(secret: string, timestampS: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex');
}

/** The header value for `body` at `nowMs`. */
export function signWebhook(secret: string, body: string, nowMs: number = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},${SIGNATURE_SCHEME}=${signatureOf(secret, t, body)}`;
}

export type VerifyResult = { readonly ok: true; readonly timestampS: number } | { readonly ok: false; readonly reason: string };

/**
 * What a receiver does: parse the header, recompute over the raw body (the bytes received, not a
 * re-serialised object), compare in constant time, and refuse stale timestamps.
 */
export function verifyWebhook(secret: string, body: string, header: string | undefined, nowMs: number = Date.now(), toleranceS = DEFAULT_TOLERANCE_S): VerifyResult {
  if (!header) return { ok: false, reason: 'no signature header' };
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === SIGNATURE_SCHEME) candidates.push(value);
  }
  if (t === undefined) return { ok: false, reason: 'no timestamp in the signature header' };
  if (candidates.length === 0) return { ok: false, reason: `no ${SIGNATURE_SCHEME} signature in the header` };
  if (Math.abs(Math.floor(nowMs / 1000) - t) > toleranceS) return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(signatureOf(secret, t, body), 'hex');
  const match = candidates.some((c) => {
    const given = Buffer.from(c, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true, timestampS: t } : { ok: false, reason: 'signature does not match' };
}
