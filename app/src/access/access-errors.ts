/**
 * The access catalogue (ACCESS_E_...): one class, a code and a message that says what to do.
 * The HTTP layer maps codes to statuses in one place (`httpStatusOf`), the CLI prints the message.
 */
export const AccessErrorCode = {
  ACCESS_E_INVALID: 400,
  ACCESS_E_NOT_FOUND: 404,
  ACCESS_E_EXISTS: 409,
  ACCESS_E_IN_USE: 409,
  ACCESS_E_LAST_ADMIN: 409,
} as const;
export type AccessErrorCode = keyof typeof AccessErrorCode;

export class AccessError extends Error {
  constructor(
    readonly code: AccessErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccessError';
  }
}

export function httpStatusOf(error: AccessError): number {
  return AccessErrorCode[error.code];
}
