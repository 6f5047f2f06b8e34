import { Body, Controller, Get, HttpCode, HttpException, HttpStatus, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiBody, ApiResponse } from '@nestjs/swagger';
import { ACCESS_PRINCIPAL, Public, Roles } from '@pulseproof/contracts';
import { NOT_SIGNED_IN } from './access.guard';
import { SESSION_COOKIE, tokenOf } from './authenticator';
import { SessionStore } from './session-store';
import { SignInLimiter } from './sign-in-limiter';
import { UserStore, UserView } from './user-store';

/** The parts of Express's request and response used here (the app runs on @nestjs/platform-express). */
interface Request {
  readonly ip?: string;
  readonly secure: boolean;
  readonly socket: { readonly remoteAddress?: string };
  readonly headers: Record<string, string | string[] | undefined>;
}
interface CookieOptions {
  httpOnly: boolean;
  sameSite: 'strict';
  path: string;
  maxAge?: number;
  secure?: boolean;
}
interface Response {
  cookie(name: string, value: string, options: CookieOptions): void;
  clearCookie(name: string, options: CookieOptions): void;
  setHeader(name: string, value: string): void;
}

export interface SignedInUser {
  readonly username: string;
  readonly role: UserView['role'];
  readonly wards: string[];
}

const BAD_CREDENTIALS = 'wrong username or password: check both, or ask an admin to reset your password (`pulseproof users reset-password`)';

/** Sign-in, sign-out and who am I (the auth contract of issue 7). */
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly users: UserStore,
    private readonly sessions: SessionStore,
    private readonly limiter: SignInLimiter,
  ) {}

  /** `{ username, password }` → the user and a session: an HttpOnly cookie, and `token` for `Authorization: Bearer`. */
  @Post('sign-in')
  @ApiBody({ schema: { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string', format: 'password' } } } })
  @ApiResponse({ status: 200, description: '`{ user: { username, role, wards }, token, expiresAt }` and the pp_session cookie' })
  @ApiResponse({ status: 429, description: 'too many failed sign-ins for this user or address: `{ message }` says when to retry' })
  @Public()
  @HttpCode(200)
  async signIn(@Body() body: { username?: unknown; password?: unknown } | undefined, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const username = typeof body?.username === 'string' ? body.username : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    if (!username || !password) throw new UnauthorizedException('send {"username": "...", "password": "..."} as JSON');
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    // counted before the async password check: concurrent guesses cannot all slip under the limit
    const wait = this.limiter.attempt(username, address);
    if (wait > 0) {
      response.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      throw new HttpException({ statusCode: 429, message: `too many failed sign-ins: try again in ${Math.ceil(wait / 60_000)} minute(s), or ask an admin to reset the password` }, HttpStatus.TOO_MANY_REQUESTS);
    }
    const user = await this.users.verify(username, password);
    if (!user) throw new UnauthorizedException(BAD_CREDENTIALS);
    this.limiter.succeeded(username, address);
    // the session cookie the browser already carried (another user's, or one planted by someone else) ends here: sign-in always starts a fresh one
    const previous = tokenOf({ cookie: request.headers['cookie'] });
    if (previous) this.sessions.revoke(previous);
    const session = this.sessions.create(user.username);
    response.cookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: session.expiresAt - Date.now(), secure: servedOverTls(request) });
    return { user: signedIn(user), token: session.token, expiresAt: new Date(session.expiresAt).toISOString() };
  }

  /** Ends the session the request carries (cookie or bearer) and clears the cookie; 204 either way. */
  @Post('sign-out')
  @Public()
  @HttpCode(204)
  signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): void {
    const token = tokenOf(request.headers);
    if (token) this.sessions.revoke(token);
    response.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: servedOverTls(request) });
  }

  /** The signed-in user, or 401. */
  @Get('me')
  @Roles('clinician', 'auditor', 'admin')
  me(@Req() request: Request): { user: SignedInUser } {
    const principal = (request as unknown as Record<string, SignedInUser | undefined>)[ACCESS_PRINCIPAL];
    if (!principal) throw new UnauthorizedException(NOT_SIGNED_IN);
    return { user: signedIn(principal) };
  }
}

/**
 * TLS at this server, or at a proxy in front of it (X-Forwarded-Proto: https): the cookie is then
 * Secure, so a browser never sends it over plain HTTP. Trusting the header here is safe: a forged
 * one can only make the cookie stricter.
 */
function servedOverTls(request: Request): boolean {
  const proto = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
  return request.secure || first === 'https';
}

function signedIn(user: SignedInUser): SignedInUser {
  return { username: user.username, role: user.role, wards: [...user.wards] };
}
