import { scoreNews2 } from './news2';
import { decideNews2Alert, news2Summary } from './news2-alert.policy';

const NORMAL = { respiratory_rate: 16, spo2: 97, supplemental_oxygen: 0, systolic_bp: 120, heart_rate: 70, consciousness: 0, temperature: 37 };
const HIGH = scoreNews2({ ...NORMAL, respiratory_rate: 26, spo2: 93, heart_rate: 115 }); // 7
const MEDIUM = scoreNews2({ ...NORMAL, respiratory_rate: 22, spo2: 94, heart_rate: 115 }); // 5
const FOUR = scoreNews2({ ...NORMAL, respiratory_rate: 22, heart_rate: 115 }); // 4, no single 3

const activeFrom = (decision: ReturnType<typeof decideNews2Alert>) => {
  if (decision.kind !== 'raise' && decision.kind !== 'update') throw new Error(`expected raise or update, got ${decision.kind}`);
  return { priority: decision.priority, summary: decision.summary, score: decision.score, evidence: decision.evidence };
};

describe('NEWS2 alert policy', () => {
  it('does not alert below 5 without a single 3', () => {
    expect(decideNews2Alert(undefined, FOUR)).toEqual({ kind: 'none' });
  });

  it('raises medium at 5 and high at 7', () => {
    expect(decideNews2Alert(undefined, MEDIUM)).toMatchObject({ kind: 'raise', priority: 'medium', score: 5 });
    expect(decideNews2Alert(undefined, HIGH)).toMatchObject({ kind: 'raise', priority: 'high', score: 7 });
  });

  it('escalates, but never steps the priority down while active', () => {
    const raised = activeFrom(decideNews2Alert(undefined, MEDIUM));
    const escalated = activeFrom(decideNews2Alert(raised, HIGH));
    expect(escalated.priority).toBe('high');
    expect(decideNews2Alert(escalated, MEDIUM)).toMatchObject({ kind: 'update', priority: 'high', score: 5 });
  });

  it('does nothing when the same score arrives again', () => {
    const raised = activeFrom(decideNews2Alert(undefined, HIGH));
    expect(decideNews2Alert(raised, HIGH)).toEqual({ kind: 'none' });
  });

  it('clears below the trigger when everything measured before is measured again', () => {
    const raised = activeFrom(decideNews2Alert(undefined, HIGH));
    expect(decideNews2Alert(raised, FOUR)).toMatchObject({ kind: 'clear', score: 4 });
  });

  it('holds when the lower score comes from parameters gone missing', () => {
    const raised = activeFrom(decideNews2Alert(undefined, HIGH));
    const { respiratory_rate: _, ...withoutRr } = NORMAL;
    expect(decideNews2Alert(raised, scoreNews2(withoutRr))).toEqual({ kind: 'none' });
  });

  it('summarises the scoring rows and what was not measured', () => {
    expect(news2Summary(HIGH)).toBe('NEWS2 7 (RR 3, SpO2 2, HR 2)');
    expect(news2Summary(scoreNews2({ heart_rate: 135 }))).toBe('NEWS2 3 (HR 3); not measured: RR, SpO2, O2, SBP, ACVPU, Temp');
  });
});
