import { ID_PATTERN } from '@pulseproof/contracts';
import { RegistryError } from './errors';

/** Checks on administrative input; each failure says what a valid value looks like. */

const MAX_INTERVAL_MS = 7 * 24 * 3_600_000;

export function checkInterval(intervalMs: number): void {
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1_000 || intervalMs > MAX_INTERVAL_MS) {
    throw new RegistryError('INGEST_E_REGISTRY_BAD_INPUT', `interval must be between 1 s and 7 days (got ${intervalMs} ms)`);
  }
}

export function alreadyRegistered(id: string): RegistryError {
  return new RegistryError('INGEST_E_REGISTRY_EXISTS', `"${id}" is already registered: choose another id, or rotate its secret with \`npx pulseproof devices rotate-secret ${id}\``);
}

export function checkId(value: string, what: string): void {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new RegistryError('INGEST_E_REGISTRY_BAD_ID', `${what} must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`);
  }
}

export function checkTime(at: number): void {
  if (!Number.isSafeInteger(at) || at < 0) throw new RegistryError('INGEST_E_REGISTRY_BAD_INPUT', 'a time must be whole milliseconds since the epoch, 0 or more');
}
