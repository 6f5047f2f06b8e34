import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';

/** Every error the alerts service reports to a person, by code. */
export const ALERTS_ERRORS = {
  /** `AlertsModule.forRoot` options are invalid; the message names the option. */
  ALERTS_E_CONFIG: 'invalid alerts options',
  /** a query parameter of `GET /api/alerts` or `GET /api/patients` is invalid (HTTP 400). */
  ALERTS_E_QUERY: 'invalid query parameter',
  /** a staff observation (`recordObservation`) names an unknown code or an impossible value. */
  ALERTS_E_OBSERVATION: 'invalid observation',
  /** the body of `PUT /api/patients/:id/rules` is invalid; the message names the field (HTTP 400). */
  ALERTS_E_RULES: 'invalid patient rules',
  /** `POST /api/alerts/:id/acknowledge` without a valid `by` (HTTP 400). */
  ALERTS_E_ACKNOWLEDGE: 'invalid acknowledgement',
  /** no alert has this id (HTTP 404). */
  ALERTS_E_NOT_FOUND: 'no such alert',
} as const;

export type AlertsErrorCode = keyof typeof ALERTS_ERRORS;

export class AlertsError extends Error {
  constructor(
    readonly code: AlertsErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'AlertsError';
  }
}

/** A 400 whose body carries the code and a message that says which value is wrong. */
export function badQuery(message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', code: 'ALERTS_E_QUERY', message });
}

/** The HTTP answer to an AlertsError: 404 for an unknown alert, 400 for anything the caller sent wrong. */
export function toHttpError(error: unknown): unknown {
  if (!(error instanceof AlertsError)) return error;
  const message = error.message.slice(error.code.length + 2);
  if (error.code === 'ALERTS_E_NOT_FOUND') return new NotFoundException({ statusCode: 404, error: 'Not Found', code: error.code, message });
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', code: error.code, message });
}

/** Runs `work`, answering an AlertsError with its HTTP status; for the controllers. */
export async function asHttp<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const http = toHttpError(error);
    if (http instanceof HttpException) throw http;
    throw error;
  }
}
