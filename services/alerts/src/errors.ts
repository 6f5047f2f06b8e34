import { BadRequestException } from '@nestjs/common';

/** Every error the alerts service reports to a person, by code. */
export const ALERTS_ERRORS = {
  /** `AlertsModule.forRoot` options are invalid; the message names the option. */
  ALERTS_E_CONFIG: 'invalid alerts options',
  /** a query parameter of `GET /api/alerts` or `GET /api/patients` is invalid (HTTP 400). */
  ALERTS_E_QUERY: 'invalid query parameter',
  /** a staff observation (`recordObservation`) names an unknown code or an impossible value. */
  ALERTS_E_OBSERVATION: 'invalid observation',
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
