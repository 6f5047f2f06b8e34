export interface SignInLimits {
  /** failed sign-ins allowed per username in `windowMs` before it is locked for the rest of the window */
  readonly perUser: number;
  /** failed sign-ins allowed per client address in `windowMs` (one address guessing many names) */
  readonly perAddress: number;
  readonly windowMs: number;
}

/** NIST SP 800-63B 5.2.2 asks for at most 100 failures per account; far fewer are needed by a person. */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perUser: 5, perAddress: 20, windowMs: 15 * 60_000 };

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Counts sign-in attempts per username and per client address in fixed windows. An attempt is
 * counted before the (slow, async) password check, so a burst of concurrent guesses cannot all
 * pass the check before the first failure is counted. While either count is at its limit, sign-in
 * is refused before the password is checked, so guessing stops even when the next guess would be
 * right. A success clears the username's count and gives the address back only the attempt it
 * reserved: the address keeps every failure, so sign-ins to a valid account between guesses do not
 * hide them, and a ward terminal where a shift signs in one after another is never locked.
 */
export class SignInLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** ms until sign-in may be tried again, or 0 when it may be tried now */
  retryInMs(username: string, address: string): number {
    return Math.max(this.blockedFor(`u:${username}`, this.limits.perUser), this.blockedFor(`a:${address}`, this.limits.perAddress));
  }

  /**
   * Reserves an attempt: 0 when it may go ahead (and is now counted as a failure until
   * `succeeded`), otherwise ms until sign-in may be tried again (nothing counted).
   */
  attempt(username: string, address: string): number {
    const wait = this.retryInMs(username, address);
    if (wait > 0) return wait;
    this.count(`u:${username}`);
    this.count(`a:${address}`);
    return 0;
  }

  /** The attempt reserved by `attempt` was right: the username's count is cleared, the address's reservation released. */
  succeeded(username: string, address: string): void {
    this.windows.delete(`u:${username}`);
    const w = this.windows.get(`a:${address}`);
    if (w && w.failures > 0) w.failures -= 1;
  }

  private blockedFor(key: string, limit: number): number {
    const w = this.windows.get(key);
    const now = this.now();
    if (!w || now >= w.resetAt) return 0;
    return w.failures >= limit ? w.resetAt - now : 0;
  }

  private count(key: string): void {
    const now = this.now();
    const w = this.windows.get(key);
    if (!w || now >= w.resetAt) {
      // bounded: stale windows are dropped whenever a new one opens
      if (this.windows.size > 10_000) for (const [k, v] of this.windows) if (now >= v.resetAt) this.windows.delete(k);
      this.windows.set(key, { failures: 1, resetAt: now + this.limits.windowMs });
    } else {
      w.failures += 1;
    }
  }
}
