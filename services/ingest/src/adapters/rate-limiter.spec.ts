import { DeviceRateLimiter } from './rate-limiter';

describe('DeviceRateLimiter (token bucket per device)', () => {
  let now = 0;
  const limiter = () => new DeviceRateLimiter({ perDevicePerSecond: 10, burst: 3, maxDelayMs: 250, now: () => now });

  beforeEach(() => (now = 1_000_000));

  it('lets a burst through, then paces the next ones by their debt, then refuses past the bound', () => {
    const rl = limiter();
    expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([{ kind: 'go' }, { kind: 'go' }, { kind: 'go' }]);
    // 10/s: each further reading owes 100 ms more than the one before.
    expect(rl.take('a')).toEqual({ kind: 'wait', ms: 100 });
    expect(rl.take('a')).toEqual({ kind: 'wait', ms: 200 });
    expect(rl.take('a')).toEqual({ kind: 'refuse', retryInMs: 50 });
    // A refusal costs no token: the next reading is judged on the same debt.
    expect(rl.take('a').kind).toBe('refuse');
  });

  it('refills at the configured rate, never above the burst', () => {
    const rl = limiter();
    for (let i = 0; i < 3; i++) rl.take('a');
    now += 200; // two tokens back
    expect([rl.take('a'), rl.take('a'), rl.take('a')].map((d) => d.kind)).toEqual(['go', 'go', 'wait']);
    now += 60_000;
    expect([rl.take('a'), rl.take('a'), rl.take('a'), rl.take('a')].map((d) => d.kind)).toEqual(['go', 'go', 'go', 'wait']);
  });

  it('keeps each device in its own bucket', () => {
    const rl = limiter();
    for (let i = 0; i < 10; i++) rl.take('flooder');
    expect(rl.take('quiet')).toEqual({ kind: 'go' });
  });

  it('forgets buckets that refilled, so idle devices cost no memory', () => {
    const rl = limiter();
    rl.take('a');
    rl.take('b');
    now += 50;
    rl.prune();
    expect(rl.size).toBe(2);
    now += 1_000;
    rl.prune();
    expect(rl.size).toBe(0);
  });
});
