/**
 * The JSON API as the browser uses it: same-origin fetch (the `pp_session` cookie goes along),
 * errors turned into HttpError with the server's `{ message }`, and a 401 announced once so the
 * shell can go back to the sign-in view.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const SIGNED_OUT_EVENT = 'pp:signed-out';

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      credentials: 'same-origin',
      headers: init.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });
  } catch {
    throw new HttpError(0, 'PulseProof does not answer: check that the server is running, then reload the page.');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const message = (body as { message?: unknown } | undefined)?.message;
    const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : `${response.status} ${response.statusText}`;
    if (response.status === 401 && !path.startsWith('/api/auth/')) window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw new HttpError(response.status, text);
  }
  return body as T;
}

export const q = encodeURIComponent;

/**
 * A live stream the browser gave up on. EventSource retries a dropped connection by itself, but not
 * one the server refused with an error status (a 401 once the session expired, a 403 after a ward
 * change): then readyState is CLOSED. Ask the API why; a lost session goes back to sign-in, anything
 * else opens the stream again after a pause.
 */
export function recoverRefusedStream(stream: EventSource, reopen: () => void, delayMs = 3_000): void {
  if (stream.readyState !== EventSource.CLOSED) return;
  api('/api/auth/me').then(
    () => window.setTimeout(reopen, delayMs),
    (error: unknown) => {
      if (error instanceof HttpError && error.status === 401) window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
      else window.setTimeout(reopen, delayMs);
    },
  );
}
