/**
 * The bridge's coded error catalogue (one place, like fastify's `lib/errors.js`). Frame codes are
 * the ones docs/serial-protocol.md §6 lists; a receiver counts and logs them, never publishes.
 */
export const BRIDGE_ERRORS = {
  /** The CRC-16/CCITT-FALSE after `*` does not match the bytes between `$` and `*`. */
  BRIDGE_E_CRC: 'frame checksum mismatch',
  /** Syntax: no `*` + 4 hex + line end, non-printable byte, wrong field count, too long, cut short. */
  BRIDGE_E_FRAME: 'malformed frame',
  /** The frame starts with a version this receiver does not speak (only `PP1`). */
  BRIDGE_E_VERSION: 'unsupported frame version',
  /** A field is not valid: device id, seq, ts, measurement code or value. */
  BRIDGE_E_FIELD: 'invalid frame field',
} as const;

export type BridgeErrorCode = keyof typeof BRIDGE_ERRORS;

export class BridgeError extends Error {
  override readonly name = 'BridgeError';

  constructor(
    readonly code: BridgeErrorCode,
    detail?: string,
  ) {
    super(detail ? `${code}: ${BRIDGE_ERRORS[code]}: ${detail}` : `${code}: ${BRIDGE_ERRORS[code]}`);
  }
}
