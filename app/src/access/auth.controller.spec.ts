import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpException } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { openAccessDb } from './access-db';
import { AuthController } from './auth.controller';
import { SessionStore } from './session-store';
import { SignInLimiter } from './sign-in-limiter';
import { UserStore } from './user-store';

const FAST_SCRYPT = { N: 1 << 10, r: 8, p: 1, keyLength: 32 };

/** The sign-in handler over real stores (SQLite, scrypt); only Express's request/response are stand-ins. */
describe('AuthController sign-in', () => {
  let dir: string;
  let db: Database.Database;
  let sessions: SessionStore;
  let controller: AuthController;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-auth-'));
    db = openAccessDb(dir);
    const users = new UserStore(db, FAST_SCRYPT);
    await users.add({ username: 'jo', role: 'auditor', password: 'correct horse' });
    sessions = new SessionStore(db);
    controller = new AuthController(users, sessions, new SignInLimiter({ perUser: 3, perAddress: 100, windowMs: 60_000 }));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (headers: Record<string, string> = {}, secure = false) => ({ ip: '10.0.0.1', secure, socket: {}, headers });
  const response = () => {
    const cookies: { name: string; value: string; options: Record<string, unknown> }[] = [];
    return { cookies, cookie: (name: string, value: string, options: object) => cookies.push({ name, value, options: { ...options } }), clearCookie: () => undefined, setHeader: () => undefined };
  };
  const statusOf = (p: Promise<unknown>) => p.then(() => 200, (e: unknown) => (e instanceof HttpException ? e.getStatus() : 500));

  it('counts an attempt before the slow password check, so concurrent guesses cannot all pass the limit', async () => {
    const guesses = Array.from({ length: 10 }, (_, i) => statusOf(controller.signIn({ username: 'jo', password: `guess ${i}` }, request(), response())));
    const statuses = await Promise.all(guesses);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    // locked even for the right password until the window ends
    expect(await statusOf(controller.signIn({ username: 'jo', password: 'correct horse' }, request(), response()))).toBe(429);
  });

  it('gives back the attempt on success: a person who signs in correctly is never locked out by it', async () => {
    for (let i = 0; i < 5; i++) expect(await statusOf(controller.signIn({ username: 'jo', password: 'correct horse' }, request(), response()))).toBe(200);
  });

  it('ends the session the browser brought to sign-in, and marks the cookie Secure behind TLS', async () => {
    const before = sessions.create('jo').token;
    const res = response();
    await controller.signIn({ username: 'jo', password: 'correct horse' }, request({ cookie: `pp_session=${before}`, 'x-forwarded-proto': 'https' }), res);
    expect(sessions.resolve(before)).toBeUndefined();
    expect(res.cookies[0]).toMatchObject({ name: 'pp_session', options: { httpOnly: true, sameSite: 'strict', secure: true } });
    expect(res.cookies[0]!.value).not.toBe(before);
    const plain = response();
    await controller.signIn({ username: 'jo', password: 'correct horse' }, request(), plain);
    expect(plain.cookies[0]!.options['secure']).toBe(false);
  });
});
