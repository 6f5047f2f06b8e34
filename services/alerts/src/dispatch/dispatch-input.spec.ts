import { resolveDispatchOptions } from './dispatch-config';
import { parseDispatchQuery, parseLocationInput, parsePatientId } from './dispatch-input';
import { resolvePosition } from './dispatch-model';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return ((error as { getResponse(): { message: string; code: string } }).getResponse()).message;
  }
  throw new Error('expected a 400');
};

describe('PUT /api/patients/:id/location body', () => {
  it('accepts a flag with or without a home', () => {
    expect(parseLocationInput({ outsideHospital: true, home: { lat: 51.5, lon: -0.1 } })).toEqual({ outsideHospital: true, home: { lat: 51.5, lon: -0.1 } });
    expect(parseLocationInput({ outsideHospital: false })).toEqual({ outsideHospital: false, home: null });
    expect(parseLocationInput({ outsideHospital: true, home: null })).toEqual({ outsideHospital: true, home: null });
  });

  it.each([
    [null, /must be a JSON object/],
    [[], /must be a JSON object/],
    [{}, /outsideHospital must be true or false/],
    [{ outsideHospital: 'true' }, /outsideHospital must be true or false/],
    [{ outsideHospital: true, address: 'x' }, /unknown field "address"/],
    [{ outsideHospital: true, home: 'Baker Street' }, /home must be \{"lat"/],
    [{ outsideHospital: true, home: { lat: 51.5 } }, /home.lat must be a number/],
    [{ outsideHospital: true, home: { lat: 91, lon: 0 } }, /within -90..90/],
    [{ outsideHospital: true, home: { lat: 51.5, lon: '-0.1' } }, /home.lon within -180..180/],
    [{ outsideHospital: true, home: { lat: 51.5, lon: -0.1, alt: 3 } }, /home must be \{"lat"/],
  ])('refuses %j with a message', (body, message) => {
    expect(messageOf(() => parseLocationInput(body))).toMatch(message);
  });

  it('refuses patient ids that are not ids', () => {
    expect(messageOf(() => parsePatientId('a/b'))).toMatch(/patient id must be/);
    expect(parsePatientId('sim-patient-001')).toBe('sim-patient-001');
  });
});

describe('GET /api/dispatches query', () => {
  it('defaults and bounds', () => {
    expect(parseDispatchQuery({})).toEqual({ state: 'all', limit: 100 });
    expect(parseDispatchQuery({ state: 'open', limit: '5', patientId: 'p1' })).toEqual({ state: 'open', limit: 5, patientId: 'p1' });
    expect(messageOf(() => parseDispatchQuery({ state: 'active' }))).toMatch(/state must be open, closed or all/);
    expect(messageOf(() => parseDispatchQuery({ limit: '0' }))).toMatch(/limit must be/);
  });
});

describe('where the crew goes', () => {
  const home = { lat: 51.5, lon: -0.1 };
  const fix = { lat: 51.6, lon: -0.2 };
  it('takes a GPS fix that arrived after staff set the location, else the home address', () => {
    expect(resolvePosition({ patientId: 'p', outsideHospital: true, home, setAt: 1000, gps: { ...fix, at: 5, receivedAt: 2000 } })).toEqual({ ...fix, source: 'gps' });
    expect(resolvePosition({ patientId: 'p', outsideHospital: true, home, setAt: 3000, gps: { ...fix, at: 5, receivedAt: 2000 } })).toEqual({ ...home, source: 'home' });
    expect(resolvePosition({ patientId: 'p', outsideHospital: true, home: null, setAt: 3000, gps: { ...fix, at: 5, receivedAt: 2000 } })).toEqual({ ...fix, source: 'gps' });
    expect(resolvePosition({ patientId: 'p', outsideHospital: true, home: null, setAt: 3000, gps: null })).toBeUndefined();
  });
});

describe('dispatch options', () => {
  it('defaults to NEWS2 >= 7 and a 30 s acknowledgement, and names a bad option', () => {
    const o = resolveDispatchOptions('/tmp/x');
    expect(o.trigger).toEqual({ alertType: 'news2', minScore: 7 });
    expect(o.ackTimeoutMs).toBe(30_000);
    expect(() => resolveDispatchOptions('/tmp/x', { trigger: { minScore: 21 } })).toThrow(/ALERTS_E_DISPATCH_CONFIG: dispatch trigger.minScore/);
    expect(() => resolveDispatchOptions('/tmp/x', { ackTimeoutMs: 1.5 })).toThrow(/ackTimeoutMs/);
  });
});
