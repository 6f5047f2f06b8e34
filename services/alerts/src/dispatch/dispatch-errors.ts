import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';

/**
 * Errors of ambulance dispatch that reach a person, by code (the alerts service's catalogue,
 * ALERTS_E_..., dispatch part). Each HTTP error body carries the code and a message that says what
 * to change.
 */
export const DISPATCH_ERRORS = {
  /** `dispatch` options of `AlertsModule.forRoot` are invalid; the message names the option. */
  ALERTS_E_DISPATCH_CONFIG: 'invalid dispatch options',
  /** the body of `PUT /api/patients/:id/location` is invalid (HTTP 400). */
  ALERTS_E_LOCATION: 'invalid patient location',
  /** no dispatch (or patient location) with that id (HTTP 404). */
  ALERTS_E_NOT_FOUND: 'not found',
  /** the dispatch is already completed or cancelled (HTTP 409). */
  ALERTS_E_DISPATCH_CLOSED: 'dispatch already closed',
  /** a query parameter of `GET /api/dispatches` is invalid (HTTP 400). */
  ALERTS_E_DISPATCH_QUERY: 'invalid dispatch query',
} as const;

export type DispatchErrorCode = keyof typeof DISPATCH_ERRORS;

export class DispatchConfigError extends Error {
  readonly code = 'ALERTS_E_DISPATCH_CONFIG';
  constructor(message: string) {
    super(`ALERTS_E_DISPATCH_CONFIG: ${message}`);
    this.name = 'DispatchConfigError';
  }
}

export function badLocation(message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', code: 'ALERTS_E_LOCATION', message });
}

export function badDispatchQuery(message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', code: 'ALERTS_E_DISPATCH_QUERY', message });
}

export function notFound(message: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', code: 'ALERTS_E_NOT_FOUND', message });
}

export function dispatchClosed(message: string): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', code: 'ALERTS_E_DISPATCH_CLOSED', message });
}
