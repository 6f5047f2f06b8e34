import { RetryPolicy, afterFailure, retryDelayMs } from './retry-policy';

const policy: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 5, maxAgeMs: 10 * 60_000 };

describe('retry policy (exponential backoff, equal jitter)', () => {
  it('doubles the step from the base and caps it at maxDelay', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(policy, n, top))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('waits between half and all of the step', () => {
    expect(retryDelayMs(policy, 3, () => 0)).toBe(2_000);
    expect(retryDelayMs(policy, 3, () => 0.5)).toBe(3_000);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(policy, 4);
      expect(d).toBeGreaterThanOrEqual(4_000);
      expect(d).toBeLessThanOrEqual(8_000);
    }
  });

  it('retries until maxAttempts attempts were made, then gives up', () => {
    expect(afterFailure(policy, 4, 0, 0, () => 0)).toEqual({ retry: true, at: 4_000 });
    expect(afterFailure(policy, 5, 0, 0)).toEqual({ retry: false, reason: 'gave up after 5 attempts' });
  });

  it('gives up when the next attempt would come later than maxAge after the delivery was created', () => {
    expect(afterFailure(policy, 2, 0, 9 * 60_000, () => 0)).toEqual({ retry: true, at: 9 * 60_000 + 1_000 });
    expect(afterFailure(policy, 2, 0, 10 * 60_000 - 500, () => 0)).toMatchObject({ retry: false });
  });
});
