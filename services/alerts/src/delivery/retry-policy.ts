/**
 * When a failed delivery is tried again, and when it is given up.
 *
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff and
 * Jitter", 2015): the n-th retry waits between half and all of min(maxDelay, base * 2^(n-1)), so
 * receivers that came back together are not hit by every sender in the same millisecond, and no
 * retry comes sooner than half its step.
 */
export interface RetryPolicy {
  /** the first retry's step, ms */
  readonly baseDelayMs: number;
  /** the step stops doubling here, ms */
  readonly maxDelayMs: number;
  /** attempts in all, the first included */
  readonly maxAttempts: number;
  /** no retry once the delivery is this old, ms (its first attempt always happens) */
  readonly maxAgeMs: number;
}

/** Wait before the next attempt, after `attempts` failed ones (1 or more); `random` in [0, 1). */
export function retryDelayMs(policy: RetryPolicy, attempts: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}

export type RetryDecision = { readonly retry: true; readonly at: number } | { readonly retry: false; readonly reason: string };

/** After a failed attempt: when to try again, or why not. */
export function afterFailure(policy: RetryPolicy, attempts: number, createdAt: number, now: number, random?: () => number): RetryDecision {
  if (attempts >= policy.maxAttempts) return { retry: false, reason: `gave up after ${attempts} attempts` };
  const at = now + retryDelayMs(policy, attempts, random);
  if (at - createdAt > policy.maxAgeMs) return { retry: false, reason: `gave up after ${attempts} attempts: older than ${policy.maxAgeMs} ms` };
  return { retry: true, at };
}
