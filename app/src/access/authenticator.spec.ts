import { tokenOf } from './authenticator';

describe('tokenOf', () => {
  it('takes the bearer token first, then the pp_session cookie among others', () => {
    expect(tokenOf({ authorization: 'Bearer abc', cookie: 'pp_session=def' })).toBe('abc');
    expect(tokenOf({ cookie: 'theme=dark; pp_session=def; other=1' })).toBe('def');
    expect(tokenOf({ cookie: 'pp_session_x=zzz' })).toBeUndefined();
    expect(tokenOf({ authorization: 'Basic abc' })).toBeUndefined();
    expect(tokenOf({ cookie: 'pp_session=%E0%A4%A' })).toBe('%E0%A4%A'); // malformed: no throw, just no session
    expect(tokenOf({})).toBeUndefined();
  });
});
