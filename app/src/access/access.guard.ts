import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { ACCESS_PRINCIPAL, AccessPrincipal, AccessRule, PATIENT_VISIBILITY, PatientVisibility, accessRuleFor } from '@pulseproof/contracts';
import { AccessLog } from './access-log';
import { refuseForgedWrite } from './json-writes';
import { Authenticator, RequestCredentials } from './authenticator';
import { PatientRecords } from './patient-records';
import { WardScope } from './ward-scope';

export interface GuardedRequest {
  method: string;
  originalUrl?: string;
  url: string;
  headers: RequestCredentials & Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  query: Record<string, unknown>;
  [ACCESS_PRINCIPAL]?: AccessPrincipal;
  [PATIENT_VISIBILITY]?: PatientVisibility;
  /** the patient the request names (parameter, query or a record's owner), for the access log */
  [SCOPED_PATIENT]?: string;
}

export const SCOPED_PATIENT = 'pulseproofPatient';

export const NOT_SIGNED_IN =
  'sign in first: POST /api/auth/sign-in with {"username","password"} (or send "Authorization: Bearer <session token or ADMIN_API_TOKEN>")';

/** The path of a request without its query string, for the access log. */
export function pathOf(request: GuardedRequest): string {
  return (request.originalUrl ?? request.url).split('?')[0]!;
}

/**
 * The global guard (issue 7 item 2): every route declares who may call it, and a route that
 * declares nothing is closed. 401 when the caller is not signed in, 403 when they are but their
 * role or wards do not allow it; both say what to do. A refused read of patient data is logged.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly scope: WardScope,
    private readonly records: PatientRecords,
    private readonly log: AccessLog,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    refuseForgedWrite(request);
    const rule = accessRuleFor(context.getClass(), context.getHandler());
    const principal = this.authenticator.principalFor(request.headers);
    if (principal) {
      request[ACCESS_PRINCIPAL] = principal;
      request[PATIENT_VISIBILITY] = (patientId) => this.scope.sees(principal, patientId);
    }
    if (rule?.public) return true;
    if (!rule?.roles) throw new ForbiddenException(`${request.method} ${pathOf(request)} declares no access rule, so it is closed: this is a bug, please report it`);
    if (!principal) throw new UnauthorizedException(NOT_SIGNED_IN);
    const patientId = rule.patient ? this.patientNamed(rule, request) : undefined;
    if (patientId !== undefined) request[SCOPED_PATIENT] = patientId;
    if (principal.role !== 'admin' && !rule.roles.includes(principal.role)) {
      this.refuse(principal, request, rule, patientId);
      throw new ForbiddenException(`signed in as ${principal.role} ${principal.username}, but this needs ${[...rule.roles, 'admin'].join(' or ')}: sign in with such an account`);
    }
    if (patientId !== undefined && !this.scope.sees(principal, patientId)) {
      this.refuse(principal, request, rule, patientId);
      throw new ForbiddenException(this.scope.refusal(principal, patientId));
    }
    return true;
  }

  /** The patient the request names, by parameter, query or a record's owner. */
  private patientNamed(rule: AccessRule, request: GuardedRequest): string | undefined {
    const scope = rule.patient!;
    if (scope.param && typeof request.params[scope.param] === 'string') return request.params[scope.param];
    if (scope.owner && typeof request.params[scope.owner.param] === 'string') {
      return this.records.patientOf(scope.owner.of, request.params[scope.owner.param]!);
    }
    const fromQuery = scope.query ? request.query[scope.query] : undefined;
    return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : undefined;
  }

  private refuse(principal: AccessPrincipal, request: GuardedRequest, rule: AccessRule, patientId: string | undefined): void {
    if (!rule.patient) return;
    this.log.record({ at: Date.now(), username: principal.username, role: principal.role, method: request.method, route: pathOf(request), ...(patientId !== undefined && { patientId }), outcome: 'denied' });
  }
}
