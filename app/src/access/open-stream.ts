import { AccessPrincipal } from '@pulseproof/contracts';
import { MonoTypeOperatorFunction, filter, interval, takeUntil } from 'rxjs';

/** how often an open stream re-reads its caller's session, role and wards, ms */
export const STREAM_RECHECK_MS = 2_000;

/**
 * Ends an open stream (Server-Sent Events) once its caller may no longer see it. The guard checks
 * the caller only when the stream opens, so every `everyMs` this asks `current` who holds the
 * request's token now (undefined when the session ended: signed out, expired, password reset, user
 * removed) and completes the stream when there is nobody or `allowed` refuses them (role or wards
 * changed). Re-reading the session counts as use, so a screen that keeps a stream open stays signed
 * in until the session's absolute limit (docs/access-control.md).
 */
export function whileAllowed<T>(
  current: () => AccessPrincipal | undefined,
  allowed: (principal: AccessPrincipal) => boolean,
  everyMs = STREAM_RECHECK_MS,
): MonoTypeOperatorFunction<T> {
  const revoked$ = interval(everyMs).pipe(
    filter(() => {
      const principal = current();
      return principal === undefined || !allowed(principal);
    }),
  );
  return takeUntil(revoked$);
}
