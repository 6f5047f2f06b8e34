import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Role } from '@pulseproof/contracts';
import { SESSION_COOKIE } from './authenticator';
import { SessionStore } from './session-store';
import { UserStore } from './user-store';
import { WardStore } from './ward-store';

/**
 * For e2e and browser tests over a running embedded system (`startEmbedded(...).app`): make wards,
 * place patients, create staff and sign them in, straight through the stores the app uses.
 * Import from `app/src/access/testing` (not part of the production entry).
 */
export interface StaffSession {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  readonly wards: readonly string[];
  readonly token: string;
  /** `Authorization: Bearer <token>` */
  readonly headers: { readonly authorization: string };
  /** for a browser context: `{ name: 'pp_session', value }` */
  readonly cookie: { readonly name: string; readonly value: string };
}

/** Creates the ward when missing and moves the given patients into it. */
export function wardWith(app: INestApplication, wardId: string, patientIds: readonly string[] = [], name = wardId): void {
  const wards = app.get(WardStore);
  if (!wards.exists(wardId)) wards.add({ id: wardId, name });
  for (const patientId of patientIds) wards.assignPatient(patientId, wardId, 'test');
}

/** A new user (random password unless given) with a live session. Creates missing wards. */
export async function staffSession(
  app: INestApplication,
  user: { username: string; role: Role; wards?: readonly string[]; password?: string },
): Promise<StaffSession> {
  for (const ward of user.wards ?? []) wardWith(app, ward);
  const password = user.password ?? randomBytes(12).toString('base64url');
  const view = await app.get(UserStore).add({ username: user.username, role: user.role, password, wards: [...(user.wards ?? [])] });
  const { token } = app.get(SessionStore).create(view.username);
  return { username: view.username, password, role: view.role, wards: view.wards, token, headers: { authorization: `Bearer ${token}` }, cookie: { name: SESSION_COOKIE, value: token } };
}

/** Signs in over HTTP as a browser would; answers the status, body and the session cookie set. */
export async function signInOverHttp(httpUrl: string, username: string, password: string): Promise<{ status: number; body: any; cookie: string | undefined }> {
  const response = await fetch(`${httpUrl}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const setCookie = response.headers.get('set-cookie') ?? undefined;
  return { status: response.status, body: await response.json().catch(() => undefined), cookie: setCookie?.split(';')[0] };
}
