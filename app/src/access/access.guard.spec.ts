import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForbiddenException, HttpException, MessageEvent, UnauthorizedException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { ACCESS_PRINCIPAL, PATIENT_VISIBILITY, PatientData, Public, Roles } from '@pulseproof/contracts';
import type Database from 'better-sqlite3';
import { Subject, lastValueFrom, of } from 'rxjs';
import { openAccessDb } from './access-db';
import { AccessLog } from './access-log';
import { AccessGuard, GuardedRequest } from './access.guard';
import { Authenticator } from './authenticator';
import { PatientScopeInterceptor } from './patient-scope.interceptor';
import { SessionStore } from './session-store';
import { UserStore } from './user-store';
import { WardScope } from './ward-scope';
import { WardStore } from './ward-store';

@Roles('clinician')
class PatientsLike {
  @PatientData({ param: 'id', response: 'none' })
  one() {}
  @PatientData({ response: 'list' })
  list() {}
  @Roles('auditor')
  anchors() {}
  @Public()
  health() {}
  @Roles('auditor')
  @PatientData({ response: { oneAt: 'reading' } })
  receipt() {}
  @PatientData({ response: 'one' })
  record() {}
  @PatientData({ response: 'events' })
  events() {}
}
class Undeclared {
  anything() {}
}

describe('AccessGuard and PatientScopeInterceptor', () => {
  let dir: string;
  let db: Database.Database;
  let guard: AccessGuard;
  let interceptor: PatientScopeInterceptor;
  let log: AccessLog;
  let users: UserStore;
  let sessions: SessionStore;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-guard-'));
    db = openAccessDb(dir);
    users = new UserStore(db, { N: 1 << 10, r: 8, p: 1, keyLength: 32 });
    const wards = new WardStore(db, 0);
    sessions = new SessionStore(db);
    wards.add({ id: 'ward-a' });
    wards.add({ id: 'ward-b' });
    wards.assignPatient('p-a', 'ward-a', 'test');
    wards.assignPatient('p-b', 'ward-b', 'test');
    for (const [username, role, ward] of [['nurse', 'clinician', ['ward-a']], ['audit', 'auditor', []], ['boss', 'admin', []]] as const) {
      await users.add({ username, role, password: 'correct horse', wards: [...ward] });
      tokens[username] = sessions.create(username).token;
    }
    log = new AccessLog(db);
    const scope = new WardScope(wards);
    const authenticator = new Authenticator(users, sessions, 'the-admin-token');
    guard = new AccessGuard(authenticator, scope, { patientOf: () => undefined }, log);
    interceptor = new PatientScopeInterceptor(scope, log, authenticator);
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (who: string | undefined, params: Record<string, string> = {}): GuardedRequest => ({
    method: 'GET',
    url: '/api/x',
    headers: who === undefined ? {} : { authorization: `Bearer ${tokens[who] ?? who}` },
    params,
    query: {},
  });
  const context = (controller: object, method: string, req: GuardedRequest) =>
    new ExecutionContextHost([req, {}, () => undefined], controller as never, (controller as { prototype: Record<string, () => void> }).prototype[method]!);
  const check = (who: string | undefined, method: string, params?: Record<string, string>) => {
    try {
      return guard.canActivate(context(PatientsLike, method, request(who, params)));
    } catch (error) {
      return (error as HttpException).getStatus();
    }
  };

  it('answers 401 without a live session and lets public routes through', () => {
    expect(check(undefined, 'list')).toBe(401);
    expect(check('not-a-token', 'list')).toBe(401);
    expect(check(undefined, 'health')).toBe(true);
    expect(() => guard.canActivate(context(PatientsLike, 'list', request(undefined)))).toThrow(UnauthorizedException);
  });

  it('answers 403 when the role does not fit, and admin (session or ADMIN_API_TOKEN) passes everywhere', () => {
    expect(check('audit', 'list')).toBe(403);
    expect(check('nurse', 'anchors')).toBe(403);
    expect(check('audit', 'anchors')).toBe(true);
    expect(check('boss', 'anchors')).toBe(true);
    expect(check('the-admin-token', 'one', { id: 'p-b' })).toBe(true);
  });

  it('closes a route that declares no rule', () => {
    expect(() => guard.canActivate(context(Undeclared, 'anything', request('boss')))).toThrow(ForbiddenException);
  });

  it('refuses a clinician a patient outside their wards and logs the refusal', () => {
    expect(check('nurse', 'one', { id: 'p-a' })).toBe(true);
    expect(check('nurse', 'one', { id: 'p-b' })).toBe(403);
    expect(check('nurse', 'one', { id: 'p-unplaced' })).toBe(403);
    expect(log.query({ user: 'nurse', patient: 'p-b', limit: 10 })).toEqual([expect.objectContaining({ outcome: 'denied', route: '/api/x' })]);
  });

  it('filters a list to the clinician\'s wards and logs one entry per patient returned', async () => {
    const req = request('nurse');
    guard.canActivate(context(PatientsLike, 'list', req));
    expect(req[ACCESS_PRINCIPAL]).toMatchObject({ username: 'nurse', wards: ['ward-a'] });
    const body = [{ patientId: 'p-a' }, { patientId: 'p-b' }, { noPatient: true }];
    const out = await lastValueFrom(interceptor.intercept(context(PatientsLike, 'list', req), { handle: () => of(body) }));
    expect(out).toEqual([{ patientId: 'p-a' }]);
    const adminReq = request('boss');
    guard.canActivate(context(PatientsLike, 'list', adminReq));
    expect(await lastValueFrom(interceptor.intercept(context(PatientsLike, 'list', adminReq), { handle: () => of(body) }))).toBe(body);
    const logged = log.query({ limit: 100 }).filter((e) => e.outcome === 'allowed');
    expect(logged.filter((e) => e.username === 'nurse').map((e) => e.patientId)).toEqual(['p-a']);
    expect(logged.filter((e) => e.username === 'boss').map((e) => e.patientId).sort()).toEqual(['p-a', 'p-b']);
  });

  it("tells a handler which patients the caller may see, for a record it trims rather than drops (GET /api/units)", () => {
    const nurseReq = request('nurse');
    guard.canActivate(context(PatientsLike, 'list', nurseReq));
    expect(nurseReq[PATIENT_VISIBILITY]!('p-a')).toBe(true);
    expect(nurseReq[PATIENT_VISIBILITY]!('p-b')).toBe(false);
    const adminReq = request('the-admin-token');
    guard.canActivate(context(PatientsLike, 'list', adminReq));
    expect(adminReq[PATIENT_VISIBILITY]!('p-b')).toBe(true);
  });

  it('answers 401, not 500, to a malformed session cookie', () => {
    const req = { ...request(undefined), headers: { cookie: 'pp_session=%E0%A4%A' } };
    expect(() => guard.canActivate(context(PatientsLike, 'list', req))).toThrow(UnauthorizedException);
  });

  it('refuses state-changing requests that are not JSON, and cross-site ones riding the session cookie', () => {
    const write = (headers: Record<string, string>, method = 'POST'): true | [number, string] => {
      try {
        return guard.canActivate(context(PatientsLike, 'anchors', { ...request(undefined), method, headers })) as true;
      } catch (error) {
        return [(error as HttpException).getStatus(), (error as HttpException).message];
      }
    };
    const cookie = `pp_session=${tokens['audit']}`;
    // what an HTML form on another site can send, with the cookie the browser adds
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain;charset=UTF-8']) {
      expect(write({ cookie, 'content-type': type })).toEqual([415, expect.stringMatching(/send the body as JSON \(Content-Type: application\/json\)/)]);
    }
    expect(write({ cookie, 'content-type': 'application/x-www-form-urlencoded' }, 'DELETE')).toEqual([415, expect.any(String)]);
    expect(write({ cookie, 'content-type': 'application/json; charset=utf-8' })).toBe(true);
    expect(write({ cookie })).toBe(true); // no body, as the dashboard's sign-out
    expect(write({ cookie, 'sec-fetch-site': 'same-site' })).toEqual([403, expect.stringMatching(/from another site/)]);
    expect(write({ cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' })).toBe(true);
    // a bearer token is never sent by a browser on its own: cross-site does not apply
    expect(write({ authorization: `Bearer ${tokens['audit']}`, 'sec-fetch-site': 'cross-site' })).toBe(true);
    // reads are not state changes
    expect(write({ cookie, 'content-type': 'text/plain' }, 'GET')).toBe(true);
  });

  it('logs a receipt read as a read of the reading\'s patient', async () => {
    const req = request('audit');
    guard.canActivate(context(PatientsLike, 'receipt', req));
    const body = { reading: { deviceId: 'bed-1', seq: 3, patientId: 'p-b' }, root: '0x00' };
    expect(await lastValueFrom(interceptor.intercept(context(PatientsLike, 'receipt', req), { handle: () => of(body) }))).toBe(body);
    expect(log.query({ user: 'audit', limit: 10 }).filter((e) => e.outcome === 'allowed')).toEqual([expect.objectContaining({ patientId: 'p-b' })]);
  });

  it('refuses a clinician a single record of another ward after the handler, and logs whose record it was', async () => {
    const refusedOf = (patient: string) => log.query({ user: 'nurse', patient, limit: 100 }).filter((e) => e.outcome === 'denied').length;
    const before = refusedOf('p-b');
    const req = request('nurse');
    guard.canActivate(context(PatientsLike, 'record', req));
    const answer = interceptor.intercept(context(PatientsLike, 'record', req), { handle: () => of({ patientId: 'p-b', heartRate: 70 }) });
    await expect(lastValueFrom(answer)).rejects.toThrow(/patient p-b is not in your wards/);
    expect(refusedOf('p-b')).toBe(before + 1);
  });

  it("sends an open event stream only the patients of the clinician's wards as they are now, and ends it with the session", async () => {
    await users.add({ username: 'watcher', role: 'clinician', password: 'correct horse', wards: ['ward-a'] });
    const token = sessions.create('watcher').token;
    const req = { ...request(undefined), headers: { authorization: `Bearer ${token}` } };
    expect(guard.canActivate(context(PatientsLike, 'events', req))).toBe(true);
    const events = new Subject<MessageEvent>();
    const sent: unknown[] = [];
    const ended = new Promise<void>((resolve) => {
      interceptor.intercept(context(PatientsLike, 'events', req), { handle: () => events }).subscribe({ next: (e) => sent.push((e as MessageEvent).data), complete: resolve });
    });
    events.next({ data: { patientId: 'p-a' } });
    events.next({ data: { patientId: 'p-b' } });
    users.setWards('watcher', ['ward-b']);
    events.next({ data: JSON.stringify({ patientId: 'p-a' }) });
    events.next({ data: { patientId: 'p-b' } });
    sessions.revoke(token);
    events.next({ data: { patientId: 'p-b' } });
    // the stream never completes on its own: the re-check after the sign-out ends it
    await ended;
    expect(sent).toEqual([{ patientId: 'p-a' }, { patientId: 'p-b' }]);
    expect(events.observed).toBe(false);
  });
});
