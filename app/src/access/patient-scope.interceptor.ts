import { CallHandler, ExecutionContext, ForbiddenException, Injectable, MessageEvent, NestInterceptor } from '@nestjs/common';
import { ACCESS_PRINCIPAL, AccessPrincipal, PatientScope, accessRuleFor } from '@pulseproof/contracts';
import { Observable, catchError, filter, map, tap, throwError } from 'rxjs';
import { AccessLog, AccessOutcome } from './access-log';
import { GuardedRequest, SCOPED_PATIENT, pathOf } from './access.guard';
import { Authenticator } from './authenticator';
import { whileAllowed } from './open-stream';
import { WardScope } from './ward-scope';

type WithPatient = { patientId?: unknown };

function patientOf(item: unknown): string | undefined {
  const id = (item as WithPatient | null)?.patientId;
  return typeof id === 'string' ? id : undefined;
}

/** The patient of an SSE event: `data` is an object or the stored JSON text. */
function patientOfEvent(event: MessageEvent): string | undefined {
  if (typeof event.data === 'string') {
    try {
      return patientOf(JSON.parse(event.data));
    } catch {
      return undefined;
    }
  }
  return patientOf(event.data);
}

/** A refused single record: names the patient, so the access log can say whose record was refused. */
class PatientRefused extends ForbiddenException {
  constructor(
    readonly patientId: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * After a route that touches patient data: narrows what a clinician gets to the patients of their
 * wards (lists are filtered, a single record of another ward is refused) and writes one access-log
 * entry per patient the answer names. Runs after the guard, so the caller is known. An open event
 * stream re-reads the caller for every event (a patient no longer in their wards is not sent) and
 * ends when their session ends or their role no longer allows the route (access/open-stream.ts).
 */
@Injectable()
export class PatientScopeInterceptor implements NestInterceptor {
  constructor(
    private readonly scope: WardScope,
    private readonly log: AccessLog,
    private readonly authenticator: Authenticator,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rule = context.getType() === 'http' ? accessRuleFor(context.getClass(), context.getHandler()) : undefined;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const principal = request?.[ACCESS_PRINCIPAL];
    if (!rule?.patient || !principal) return next.handle();
    const patient = rule.patient;
    const named = request[SCOPED_PATIENT];
    const write = (outcome: AccessOutcome, patientId: string | undefined) =>
      this.log.record({ at: Date.now(), username: principal.username, role: principal.role, method: request.method, route: pathOf(request), ...(patientId !== undefined && { patientId }), outcome });

    if (patient.response === 'events') {
      const roles = rule.roles ?? [];
      const current = () => this.authenticator.principalFor(request.headers);
      return next.handle().pipe(
        filter((event) => {
          const id = patientOfEvent(event as MessageEvent);
          if (id === undefined) return true;
          const now = current();
          if (!now || !this.scope.sees(now, id)) return false;
          write('allowed', id);
          return true;
        }),
        whileAllowed(current, (now) => now.role === 'admin' || roles.includes(now.role)),
      );
    }
    return next.handle().pipe(
      map((body) => this.narrow(principal, patient, body)),
      tap((body) => {
        const ids = named !== undefined ? [named] : this.patientsIn(patient, body);
        if (ids.length === 0) write('allowed', undefined);
        for (const id of ids) write('allowed', id);
      }),
      catchError((error: unknown) => {
        write(error instanceof ForbiddenException ? 'denied' : 'failed', error instanceof PatientRefused ? (error.patientId ?? named) : named);
        return throwError(() => error);
      }),
    );
  }

  private narrow(principal: AccessPrincipal, patient: PatientScope, body: unknown): unknown {
    if (!this.scope.isScoped(principal)) return body;
    const keep = (items: unknown[]) => items.filter((item) => {
      const id = patientOf(item);
      return id !== undefined && this.scope.sees(principal, id);
    });
    const response = patient.response;
    if (response === 'list' && Array.isArray(body)) return keep(body);
    if (typeof response === 'object' && 'oneAt' in response) {
      const id = patientOf((body as Record<string, unknown> | null)?.[response.oneAt]);
      if (id === undefined || !this.scope.sees(principal, id)) throw new PatientRefused(id, this.scope.refusal(principal, id ?? 'unknown'));
      return body;
    }
    if (typeof response === 'object' && body && Array.isArray((body as Record<string, unknown>)[response.listKey])) {
      return { ...(body as object), [response.listKey]: keep((body as Record<string, unknown[]>)[response.listKey]!) };
    }
    if (response === 'one') {
      const id = patientOf(body);
      if (id === undefined || !this.scope.sees(principal, id)) throw new PatientRefused(id, this.scope.refusal(principal, id ?? 'unknown'));
    }
    return body;
  }

  private patientsIn(patient: PatientScope, body: unknown): string[] {
    const response = patient.response;
    const field = (key: string) => (body as Record<string, unknown> | null)?.[key];
    const items =
      response === 'one' ? [body] : response === 'list' ? body : typeof response !== 'object' ? [] : 'oneAt' in response ? [field(response.oneAt)] : field(response.listKey);
    if (!Array.isArray(items)) return [];
    return [...new Set(items.map(patientOf).filter((id): id is string => id !== undefined))];
  }
}
