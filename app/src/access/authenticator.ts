import { AccessPrincipal } from '@pulseproof/contracts';
import { sameDigest, sha256 } from '@pulseproof/ingest';
import { SessionStore } from './session-store';
import { UserStore } from './user-store';

/** The session cookie (issue 7 contract): HttpOnly, SameSite=Strict, Path=/. */
export const SESSION_COOKIE = 'pp_session';

export interface RequestCredentials {
  readonly authorization?: string | string[];
  readonly cookie?: string | string[];
}

/** The token a request carries: `Authorization: Bearer <token>` first, then the pp_session cookie. */
export function tokenOf(headers: RequestCredentials): string | undefined {
  const auth = typeof headers.authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization) : null;
  if (auth) return auth[1];
  const cookie = typeof headers.cookie === 'string' ? headers.cookie : undefined;
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    // our tokens are base64url, never percent-encoded: a malformed value is simply not a session
    return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * Turns a request's token into who is calling: the ADMIN_API_TOKEN bearer is an admin (so the
 * device CLI and scripts keep working), any other token must be a live session of a known user.
 * The user's role and wards are read per request, so a change applies at once.
 */
export class Authenticator {
  private readonly adminDigest: Buffer | undefined;

  constructor(
    private readonly users: UserStore,
    private readonly sessions: SessionStore,
    adminApiToken: string | undefined,
  ) {
    this.adminDigest = adminApiToken ? sha256(adminApiToken) : undefined;
  }

  principalFor(headers: RequestCredentials): AccessPrincipal | undefined {
    const token = tokenOf(headers);
    if (!token) return undefined;
    if (this.adminDigest && sameDigest(sha256(token), this.adminDigest)) return { username: 'admin-api-token', role: 'admin', wards: [], via: 'admin-token' };
    const session = this.sessions.resolve(token);
    const user = session && this.users.find(session.username);
    return user && { username: user.username, role: user.role, wards: user.wards, via: 'session' };
  }
}
