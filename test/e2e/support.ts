import { mkdtempSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from 'pulseproof';

/**
 * The ADMIN_API_TOKEN of every test system: the API is behind sign-in (issue 7), and these suites
 * test other things, so they call it as an admin. test/e2e/access-control.e2e-spec.ts tests the guard.
 */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
export const adminHeaders = { authorization: `Bearer ${E2E_ADMIN_TOKEN}` } as const;

/** A configuration for one test system: free ports, a fresh data folder, no built-in simulator, an admin token. */
export function testConfig(overrides: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pp-e2e-'));
  return loadConfig({
    PORT: '0',
    MQTT_PORT: '0',
    DATA_DIR: dataDir,
    SIM_PATIENTS: '0',
    BATCH_MAX_AGE_MS: '300',
    ADMIN_API_TOKEN: E2E_ADMIN_TOKEN,
    ...overrides,
  });
}

/** Polls until `probe` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET as the test admin (`headers` replaces the admin's, e.g. `{}` for no credentials). */
export async function getJson<T = any>(url: string, headers: Record<string, string> = adminHeaders): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as T };
}

/** A Server-Sent Events stream as a browser holds it: its frames so far, and whether the server ended it. */
export interface SseStream {
  readonly frames: string[];
  /** false once the server ended the response */
  isOpen: boolean;
  close(): void;
}

/** Opens `url` as an SSE stream; rejects, naming the status, unless the server answers 200. */
export function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url} answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffer = '';
      const stream: SseStream = { frames: [], isOpen: true, close: () => request.destroy() };
      res.on('end', () => (stream.isOpen = false));
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          stream.frames.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      res.on('error', () => undefined);
      resolve(stream);
    });
    request.on('error', reject);
  });
}
