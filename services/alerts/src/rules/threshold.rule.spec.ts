import { AlertDecision } from '../lifecycle/alert.model';
import { DEFAULT_PATIENT_RULES, ThresholdRule } from './patient-rules';
import { ThresholdState, evaluateThreshold } from './threshold.rule';

const SPO2_LOW = DEFAULT_PATIENT_RULES.thresholds.find((r) => r.id === 'spo2-low')!;

/** Feeds [seconds, value] samples through the rule, applying its decisions; returns them with their time. */
function run(rule: ThresholdRule, samples: [number, number][]): [number, AlertDecision['kind']][] {
  let state: ThresholdState | undefined;
  let active = false;
  const out: [number, AlertDecision['kind']][] = [];
  for (const [s, value] of samples) {
    const result = evaluateThreshold(rule, state, { value, at: s * 1000 }, active);
    state = result.state;
    if (result.decision.kind === 'raise') active = true;
    if (result.decision.kind === 'clear') active = false;
    if (result.decision.kind !== 'none') out.push([s, result.decision.kind]);
  }
  return out;
}

describe('threshold rule: SpO2 below 90 for 10 s (default spo2-low)', () => {
  it('has the defaults of issue 5', () => {
    expect(SPO2_LOW).toMatchObject({ code: 'spo2', below: 90, holdOffMs: 10_000, clearAt: 92, priority: 'high' });
  });

  it.each([
    ['89 for 9 s: not yet', [[0, 89], [9, 89]], []],
    ['89 for 10 s: raised at 10 s', [[0, 89], [5, 89], [10, 89]], [[10, 'raise']]],
    ['90 is not below 90', [[0, 90], [5, 90], [10, 90], [20, 90]], []],
    ['89.9 is below 90', [[0, 89.9], [10, 89.9]], [[10, 'raise']]],
    ['one 90 in the run starts the hold-off again', [[0, 89], [5, 90], [10, 89], [19, 89], [20, 89]], [[20, 'raise']]],
    ['a gap longer than maxGapMs starts the hold-off again', [[0, 89], [70, 89], [80, 89]], [[80, 'raise']]],
  ] as [string, [number, number][], [number, string][]][])('%s', (_name, samples, expected) => {
    expect(run(SPO2_LOW, samples)).toEqual(expected);
  });

  it('clears at 92 or more held for 30 s, not at 90–91 (hysteresis)', () => {
    const raise: [number, number][] = [[0, 85], [10, 85]];
    expect(run(SPO2_LOW, [...raise, [20, 91], [30, 91], [60, 91], [70, 91]])).toEqual([[10, 'raise']]);
    expect(run(SPO2_LOW, [...raise, [20, 92], [49, 92]])).toEqual([[10, 'raise']]);
    expect(run(SPO2_LOW, [...raise, [20, 92], [50, 92]])).toEqual([[10, 'raise'], [50, 'clear']]);
    expect(run(SPO2_LOW, [...raise, [20, 92], [40, 91], [50, 93], [79, 93], [80, 93]])).toEqual([[10, 'raise'], [80, 'clear']]);
  });

  it('does not flap on values oscillating around the limit', () => {
    const oscillating: [number, number][] = Array.from({ length: 60 }, (_, i) => [10 + i * 5, i % 2 === 0 ? 88 : 91]);
    expect(run(SPO2_LOW, [[0, 85], [10, 85], ...oscillating])).toEqual([[10, 'raise']]);
  });

  it('ignores a sample older than the last one (late data)', () => {
    expect(run(SPO2_LOW, [[0, 89], [10, 97], [5, 89], [11, 89]])).toEqual([]);
  });

  it('works upwards with `above`', () => {
    const hot: ThresholdRule = { ...SPO2_LOW, id: 'fever', code: 'temperature', below: undefined, above: 39, clearAt: 38.5, holdOffMs: 0 };
    expect(run(hot, [[0, 39], [10, 39.1], [20, 38.8], [30, 38.5], [60, 38.5]])).toEqual([[10, 'raise'], [60, 'clear']]);
  });
});
