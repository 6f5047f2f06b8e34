/**
 * The simulators' coded errors: what a user of the CLI or the library can act on.
 *
 * - SIM_E_BAD_OPTION: an option is out of range or malformed; the message names it and the fix.
 * - SIM_E_BROKER_UNREACHABLE: no MQTT connection could be opened (refused, timed out, DNS).
 * - SIM_E_BAD_SCENARIO: a ward scenario file is unreadable or invalid; the message lists every problem
 *   with its path in the file (patients[0].timeline[1].at: ...).
 * - SIM_E_BROKER_REJECTED: the broker answered but refused the connection (CONNACK return code,
 *   [MQTT-3.2.2.3]: bad user name or password, not authorised, identifier rejected).
 */
export type SimulatorErrorCode = 'SIM_E_BAD_OPTION' | 'SIM_E_BAD_SCENARIO' | 'SIM_E_BROKER_UNREACHABLE' | 'SIM_E_BROKER_REJECTED';

export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';

  constructor(
    readonly code: SimulatorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function badOption(message: string): SimulatorError {
  return new SimulatorError('SIM_E_BAD_OPTION', message);
}

export { redactUrl } from '@pulseproof/contracts';
