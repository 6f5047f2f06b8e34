import { SignInLimiter } from './sign-in-limiter';

describe('SignInLimiter', () => {
  let now = 0;
  const limiter = () => new SignInLimiter({ perUser: 3, perAddress: 5, windowMs: 60_000 }, () => now);
  beforeEach(() => (now = 0));

  it('locks a username after its failures until the window ends', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) {
      expect(l.attempt('jo', `10.0.0.${i}`)).toBe(0);
    }
    expect(l.retryInMs('jo', '10.0.0.9')).toBe(60_000);
    expect(l.retryInMs('al', '10.0.0.9')).toBe(0);
    now = 59_999;
    expect(l.retryInMs('jo', '10.0.0.9')).toBe(1);
    now = 60_000;
    expect(l.retryInMs('jo', '10.0.0.9')).toBe(0);
  });

  it('locks an address guessing many usernames', () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) expect(l.attempt(`user-${i}`, '10.0.0.1')).toBe(0);
    expect(l.retryInMs('someone-else', '10.0.0.1')).toBeGreaterThan(0);
    expect(l.retryInMs('someone-else', '10.0.0.2')).toBe(0);
  });

  it('clears a username\'s count on success', () => {
    const l = limiter();
    l.attempt('jo', 'a');
    l.attempt('jo', 'b');
    l.succeeded('jo', 'b');
    l.attempt('jo', 'c');
    l.attempt('jo', 'd');
    expect(l.retryInMs('jo', 'e')).toBe(0);
  });

  it('counts an attempt when it starts, refuses the next one at the limit, and gives one back on success', () => {
    const l = limiter();
    expect([1, 2, 3, 4].map(() => l.attempt('jo', 'a'))).toEqual([0, 0, 0, 60_000]);
    const l2 = limiter();
    for (let i = 0; i < 5; i++) {
      expect(l2.attempt(`user-${i}`, 'b')).toBe(0);
      l2.succeeded(`user-${i}`, 'b');
    }
    expect(l2.retryInMs('user-9', 'b')).toBe(0); // right passwords do not use up the address's attempts
  });
});
