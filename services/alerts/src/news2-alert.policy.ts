import { AlertPriority } from '@pulseproof/contracts';
import { News2Parameter, News2Result } from './news2';

/**
 * When a NEWS2 score raises, updates or clears the patient's `news2` alert. Pure: AlertLifecycle
 * applies the decision; the clearing hold (hysteresis) is rules/news2.evaluator.ts's, escalation
 * lifecycle/escalation.scheduler.ts's.
 */
export const NEWS2_ALERT_TYPE = 'news2';

/** What is known of the active alert when a new score arrives. */
export interface ActiveNews2Alert {
  readonly priority: AlertPriority;
  readonly summary: string;
  readonly score: number | null;
  readonly evidence: readonly string[];
}

export type News2AlertDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'raise' | 'update'; readonly priority: AlertPriority; readonly summary: string; readonly score: number; readonly evidence: readonly string[] }
  | { readonly kind: 'clear'; readonly summary: string; readonly score: number };

/**
 * RCP 2017 Chart 4: an aggregate of 5 or more is the key threshold for an urgent response, and a
 * red score (3 in a single parameter) calls for an urgent ward-based response.
 *
 * With parameters missing, the partial total is a lower bound of the true total (a missing row
 * scores at least 0), and a single 3 already measured stays a 3: when the partial score triggers,
 * the full one would too, so alerting on it is sound.
 */
export function news2Triggers(score: News2Result): boolean {
  return score.total >= 5 || score.anySingleThree;
}

/** Chart 4 "high" (7+) → high; "medium" (5–6) or a red score → medium. */
export function news2Priority(score: News2Result): AlertPriority {
  return score.total >= 7 ? 'high' : 'medium';
}

const SHORT_NAMES: Record<News2Parameter, string> = {
  respiratory_rate: 'RR',
  spo2: 'SpO2',
  supplemental_oxygen: 'O2',
  systolic_bp: 'SBP',
  heart_rate: 'HR',
  consciousness: 'ACVPU',
  temperature: 'Temp',
};

/** e.g. "NEWS2 7 (RR 3, SpO2 2, HR 2)", with "; not measured: SBP, ACVPU" when incomplete. */
export function news2Summary(score: News2Result): string {
  const scoring = score.parameters.filter((p) => p.score > 0).map((p) => `${SHORT_NAMES[p.parameter]} ${p.score}`);
  const missing = score.missing.map((p) => SHORT_NAMES[p]);
  return (
    `NEWS2 ${score.total}` +
    (scoring.length ? ` (${scoring.join(', ')})` : '') +
    (missing.length ? `; not measured: ${missing.join(', ')}` : '')
  );
}

const PRIORITY_RANK: Record<AlertPriority, number> = { low: 0, medium: 1, high: 2 };

export function decideNews2Alert(active: ActiveNews2Alert | undefined, score: News2Result): News2AlertDecision {
  const summary = news2Summary(score);
  const measured = score.parameters.map((p) => p.parameter);
  if (news2Triggers(score)) {
    if (!active) return { kind: 'raise', priority: news2Priority(score), summary, score: score.total, evidence: measured };
    // Priority only goes up while the alert is active: one reading that happens to score lower is
    // no reason to page less; the alert clears (after its hold) when the patient recovers.
    const next = news2Priority(score);
    const priority = PRIORITY_RANK[next] > PRIORITY_RANK[active.priority] ? next : active.priority;
    if (priority === active.priority && summary === active.summary && score.total === active.score) return { kind: 'none' };
    return { kind: 'update', priority, summary, score: score.total, evidence: union(active.evidence, measured) };
  }
  if (!active) return { kind: 'none' };
  // Below the trigger clears, but only on measurements: when a parameter that was measured while
  // the alert was active has gone missing (stale, device removed), the lower score proves nothing
  // about the patient, so the alert stays until that parameter is measured again.
  const lostEvidence = active.evidence.some((p) => (score.missing as readonly string[]).includes(p));
  if (lostEvidence) return { kind: 'none' };
  return { kind: 'clear', summary, score: score.total };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
