import { AlertDecision } from '../lifecycle/alert.model';
import { DEFAULT_PATIENT_RULES, RateRule } from './patient-rules';
import { RateState, evaluateRate } from './rate.rule';

const HR_RISE = DEFAULT_PATIENT_RULES.rates.find((r) => r.id === 'hr-rise')!;
const MIN = 60;

function run(rule: RateRule, samples: [number, number][]): [number, AlertDecision['kind'], string?][] {
  let state: RateState | undefined;
  let active = false;
  const out: [number, AlertDecision['kind'], string?][] = [];
  for (const [s, value] of samples) {
    const result = evaluateRate(rule, state, { value, at: s * 1000 }, active);
    state = result.state;
    if (result.decision.kind === 'raise') active = true;
    if (result.decision.kind === 'clear') active = false;
    if (result.decision.kind === 'raise') out.push([s, 'raise', result.decision.summary]);
    else if (result.decision.kind !== 'none') out.push([s, result.decision.kind]);
  }
  return out;
}

describe('rate-of-change rule: heart rate up 30/min within 5 min (default hr-rise)', () => {
  it('has the defaults of issue 5', () => {
    expect(HR_RISE).toMatchObject({ code: 'heart_rate', direction: 'rise', change: 30, withinMs: 300_000, priority: 'medium' });
  });

  it.each([
    ['up 29 within 5 min: no', [[0, 70], [4 * MIN, 99]], []],
    ['up 30 within 5 min: yes', [[0, 70], [4 * MIN, 100]], [4 * MIN]],
    ['up 30 in exactly 5 min: yes', [[0, 70], [5 * MIN, 100]], [5 * MIN]],
    ['up 30 in 5 min 1 s: no', [[0, 70], [5 * MIN + 1, 100]], []],
    ['measured from the lowest value of the window', [[0, 80], [60, 70], [120, 90], [180, 100]], [180]],
    ['a slow drift of 40 over 20 min: no', Array.from({ length: 21 }, (_, i) => [i * MIN, 70 + 2 * i]), []],
    ['falling heart rate: no', [[0, 110], [60, 70]], []],
  ] as [string, [number, number][], number[]][])('%s', (_name, samples, raisedAt) => {
    expect(run(HR_RISE, samples).filter(([, kind]) => kind === 'raise').map(([s]) => s)).toEqual(raisedAt);
  });

  it('says how much, how fast, from and to', () => {
    expect(run(HR_RISE, [[0, 70], [120, 102]])[0]![2]).toBe('Heart rate up 32 /min within 120 s (70 to 102)');
  });

  it('clears once the rise in the window stays under 20 for 1 min, so a new steady level does not flap', () => {
    const samples: [number, number][] = [[0, 70], [60, 105]];
    // stays at 105 (±3): the window still holds 70 until 5 min after it, then the rise is under 20
    for (let s = 120; s <= 8 * MIN; s += 30) samples.push([s, s % 60 === 0 ? 108 : 102]);
    const decisions = run(HR_RISE, samples);
    expect(decisions.map(([s, kind]) => [s, kind])).toEqual([
      [60, 'raise'],
      [6 * MIN + 30, 'clear'], // window of 5 min passes 0 s at 300 s (reference becomes 102), held 60 s
    ]);
  });

  it('detects a fall with direction "fall"', () => {
    const fall: RateRule = { ...HR_RISE, id: 'sbp-fall', code: 'systolic_bp', direction: 'fall', change: 40, clearChange: 20 };
    expect(run(fall, [[0, 130], [120, 95], [180, 89]]).map(([s, kind]) => [s, kind])).toEqual([[180, 'raise']]);
  });
});
