import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';

export const EVENT_ID_HEADER = 'PulseProof-Event-Id';
export const ATTEMPT_HEADER = 'PulseProof-Delivery-Attempt';

export interface SendResult {
  readonly ok: boolean;
  /** the HTTP status, when an answer came */
  readonly status?: number;
  /** why it failed, for the deliveries API; never the secret, the URL's query or the body */
  readonly error?: string;
}

/**
 * POSTs one signed webhook. A 2xx is a delivery; anything else (another status, a redirect, a
 * timeout, a refused connection) is a failed attempt for the retry policy. Redirects are not
 * followed: a signed alert goes only where it was configured to go.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: { readonly secret: string; readonly eventId: string; readonly attempt: number },
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<SendResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'PulseProof-Webhooks/1',
        [SIGNATURE_HEADER]: signWebhook(headers.secret, body, now()),
        [EVENT_ID_HEADER]: headers.eventId,
        [ATTEMPT_HEADER]: String(headers.attempt),
      },
      body,
    });
    // The answer's body is not used; reading it frees the connection for the next request.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, error: describe(error) };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${cause.code}`;
    return error.message.slice(0, 200);
  }
  return String(error).slice(0, 200);
}
