/**
 * Why the registry refuses an administrative change: the coded catalogue. The CLI prints the
 * message (exit 1); the HTTP API maps the code to its status (registry-http.ts).
 */
export const RegistryErrorCodes = {
  INGEST_E_REGISTRY_BAD_ID: 'an id is not 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit',
  INGEST_E_REGISTRY_BAD_INPUT: 'a value is out of range',
  INGEST_E_REGISTRY_EXISTS: 'the id is already registered',
  INGEST_E_REGISTRY_UNKNOWN: 'no device or principal has this id',
  INGEST_E_REGISTRY_REVOKED: 'the device or principal was revoked',
  INGEST_E_REGISTRY_WRONG_KIND: 'the id names another kind of principal',
  INGEST_E_REGISTRY_TIME_ORDER: 'the time would re-label readings of an earlier assignment',
} as const;

export type RegistryErrorCode = keyof typeof RegistryErrorCodes;

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    /** one line that says what is wrong and what to do; never a secret or a patient id */
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
