import { Controller, ForbiddenException, Get, Inject, MessageEvent, Param, Req, Sse } from '@nestjs/common';
import { ACCESS_PRINCIPAL, AccessPrincipal, PatientData, Roles } from '@pulseproof/contracts';
import { Observable, map, filter, startWith } from 'rxjs';
import { RequestCredentials, whileAllowed } from '../access';
import { DASHBOARD_OPTIONS, DashboardOptions } from './dashboard.options';
import { PatientLive, WardSnapshot, liveSignature } from './patient-live';
import { WardLiveService } from './ward-live.service';

type PrincipalRequest = { [ACCESS_PRINCIPAL]?: AccessPrincipal; method: string; path?: string; url: string; headers: RequestCredentials };

/**
 * What the dashboard needs beyond the service APIs: a ward's live picture (one JSON snapshot for
 * the first paint, then Server-Sent Events with only the patients that changed, at most one update
 * per patient per second) and the chain endpoint the auditor view verifies against.
 */
@Controller('api/dashboard')
export class WardLiveController {
  constructor(
    private readonly live: WardLiveService,
    @Inject(DASHBOARD_OPTIONS) private readonly options: DashboardOptions,
  ) {}

  /** The ward and each of its patients with latest vitals, NEWS2, device state and a NEWS2 trend. */
  @Get('wards/:id')
  @Roles('clinician')
  @PatientData({ response: { listKey: 'patients' } })
  snapshot(@Param('id') wardId: string, @Req() request: PrincipalRequest): WardSnapshot {
    this.checkWard(wardId, request);
    return this.live.snapshot(wardId);
  }

  /**
   * `event: snapshot` (the whole ward, on connect and when its membership changes) then
   * `event: update` with `{ patients }` that changed since the last tick. Opening it is logged as
   * a read of each patient of the ward (and of each patient who joins it while it is open). It ends
   * when the session does (sign-out, expiry, password reset, user removed) or when the user may no
   * longer see the ward: re-checked every STREAM_RECHECK_MS (access/open-stream.ts).
   */
  @Sse('wards/:id/stream')
  @Roles('clinician')
  stream(@Param('id') wardId: string, @Req() request: PrincipalRequest): Observable<MessageEvent> {
    const principal = this.checkWard(wardId, request);
    const sent = new Map<string, string>();
    let members = new Set<string>();
    const logRead = (patientId: string) =>
      this.live.record({ at: Date.now(), username: principal.username, role: principal.role, method: request.method, route: request.path ?? request.url, patientId, outcome: 'allowed' });
    return this.live.patients$.pipe(
      startWith(undefined),
      map((all): MessageEvent | undefined => {
        const current = this.live.patientIdsOf(wardId);
        const joined = [...current].filter((id) => !members.has(id));
        const membershipChanged = joined.length > 0 || [...members].some((id) => !current.has(id));
        members = current;
        for (const id of joined) logRead(id);
        if (all === undefined || membershipChanged) {
          const snapshot = this.live.snapshot(wardId);
          sent.clear();
          for (const p of snapshot.patients) sent.set(p.patientId, liveSignature(p));
          return { type: 'snapshot', data: snapshot };
        }
        const changed: PatientLive[] = [];
        for (const id of current) {
          const patient = all.get(id);
          if (!patient) continue;
          const signature = liveSignature(patient);
          if (sent.get(id) === signature) continue;
          sent.set(id, signature);
          changed.push(patient);
        }
        return changed.length ? { type: 'update', data: { patients: changed } } : undefined;
      }),
      filter((event): event is MessageEvent => event !== undefined),
      whileAllowed(() => this.live.principalFor(request.headers), (now) => maySee(now, wardId)),
    );
  }

  /** The chain JSON-RPC endpoint the auditor view verifies receipts against by default. */
  @Get('config')
  @Roles('clinician', 'auditor')
  config(): { rpcUrl: string } {
    return { rpcUrl: this.options.rpcUrl };
  }

  /** Admins see every ward; a clinician only their own (403 says how to get access). */
  private checkWard(wardId: string, request: PrincipalRequest): AccessPrincipal {
    const principal = request[ACCESS_PRINCIPAL]!;
    this.live.ward(wardId);
    if (!maySee(principal, wardId)) {
      this.live.record({ at: Date.now(), username: principal.username, role: principal.role, method: request.method, route: request.path ?? request.url, outcome: 'denied' });
      throw new ForbiddenException(`ward ${wardId} is not one of your wards (${principal.wards.join(', ') || 'none'}): ask an admin to add you to it`);
    }
    return principal;
  }
}

/** Admins see every ward; a clinician only their own (auditors are refused by the route's role). */
function maySee(principal: AccessPrincipal, wardId: string): boolean {
  return principal.role === 'admin' || (principal.role === 'clinician' && principal.wards.includes(wardId));
}
