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

  it('counts an attempt when it starts and refuses the next one at the limit', () => {
    const l = limiter();
    expect([1, 2, 3, 4].map(() => l.attempt('jo', 'a'))).toEqual([0, 0, 0, 60_000]);
  });

  it('keeps counting an address whose guesses alternate with sign-ins to a valid account', () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) {
      expect(l.attempt('own-account', 'b')).toBe(0); // the attacker's own account, right
      l.succeeded('own-account', 'b');
      expect(l.attempt(`victim-${i}`, 'b')).toBe(0); // a guess, wrong: the fifth failure locks
    }
    expect(l.attempt('victim-9', 'b')).toBe(60_000);
    expect(l.retryInMs('own-account', 'b')).toBe(60_000);
    expect(l.retryInMs('own-account', 'c')).toBe(0); // the account itself is not locked
  });

  it('never locks an address where many people sign in successfully (a shift at one terminal)', () => {
    const l = limiter();
    for (let i = 0; i < 50; i++) {
      expect(l.attempt(`nurse-${i}`, 'ward-terminal')).toBe(0);
      l.succeeded(`nurse-${i}`, 'ward-terminal');
    }
    expect(l.retryInMs('nurse-51', 'ward-terminal')).toBe(0);
  });
});
