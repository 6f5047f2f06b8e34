/**
 * The bridge's own coded errors beyond the frame codec's (errors.ts): what an operator can act on
 * when starting the bridge, and why a well-formed frame was still not published.
 *
 * - BRIDGE_E_USAGE: a bad command line; the message names the option.
 * - BRIDGE_E_CONFIG: the config file is missing, not JSON, or fails validation; the message names
 *   the file and the field (`ports[0].baudRate: ...`).
 * - BRIDGE_E_DEVICE: a valid frame from a device the config does not map to the port it arrived on
 *   (a cable in the wrong socket, or a device not registered for this gateway); never published.
 * - BRIDGE_E_READING: a valid frame whose reading the wire schema refuses (a value outside the
 *   catalogue's physical range, a fractional ordinal); never published, ingest would dead-letter it.
 */
export type BridgeRuntimeErrorCode = 'BRIDGE_E_USAGE' | 'BRIDGE_E_CONFIG' | 'BRIDGE_E_DEVICE' | 'BRIDGE_E_READING';

export class BridgeRuntimeError extends Error {
  override readonly name = 'BridgeRuntimeError';

  constructor(
    readonly code: BridgeRuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export { redactUrl } from '@pulseproof/contracts';
