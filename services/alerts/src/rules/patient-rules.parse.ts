import { AlertPriority, MEASUREMENTS, isMeasurementCode } from '@pulseproof/contracts';
import { AlertsError } from '../errors';
import {
  DEFAULT_PATIENT_RULES,
  DEFAULT_RATE_RULE,
  DEFAULT_THRESHOLD_RULE,
  PatientRules,
  RateRule,
  TECHNICAL_ALERT_TYPES,
  TechnicalRules,
  ThresholdRule,
} from './patient-rules';

/**
 * The body of PUT /api/patients/:id/rules, checked field by field. A section left out takes its
 * default; inside a rule, optional fields take the rule defaults. Unknown fields are refused, so a
 * misspelt `holdOfMs` is an error rather than a silent default.
 */
export function parsePatientRules(input: unknown): PatientRules {
  const body = object(input, 'rules');
  only(body, 'rules', ['news2', 'thresholds', 'rates', 'technical']);
  const thresholds = body.thresholds === undefined ? DEFAULT_PATIENT_RULES.thresholds : array(body.thresholds, 'thresholds').map((r, i) => threshold(r, `thresholds[${i}]`));
  const rates = body.rates === undefined ? DEFAULT_PATIENT_RULES.rates : array(body.rates, 'rates').map((r, i) => rate(r, `rates[${i}]`));
  const ids = [...thresholds, ...rates].map((r) => r.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) fail(`rule id "${duplicate}" is used twice`);
  return {
    news2: body.news2 === undefined ? DEFAULT_PATIENT_RULES.news2 : news2(body.news2),
    thresholds,
    rates,
    technical: body.technical === undefined ? DEFAULT_PATIENT_RULES.technical : technical(body.technical),
  };
}

const RULE_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const PRIORITIES: readonly AlertPriority[] = ['low', 'medium', 'high'];
const DAY = 24 * 60 * 60 * 1000;

function news2(input: unknown): PatientRules['news2'] {
  const o = object(input, 'news2');
  only(o, 'news2', ['enabled', 'clearHoldMs']);
  const d = DEFAULT_PATIENT_RULES.news2;
  return { enabled: bool(o.enabled, 'news2.enabled', d.enabled), clearHoldMs: ms(o.clearHoldMs, 'news2.clearHoldMs', d.clearHoldMs) };
}

function ruleHead(o: Record<string, unknown>, path: string): { id: string; code: ThresholdRule['code'] } {
  if (typeof o.id !== 'string' || !RULE_ID.test(o.id)) fail(`${path}.id must be 1-32 characters of a-z 0-9 - starting with a letter or digit`);
  const id = o.id as string;
  if (id === 'news2' || (TECHNICAL_ALERT_TYPES as readonly string[]).includes(id)) fail(`${path}.id "${id}" is the type of a built-in alert`);
  if (typeof o.code !== 'string' || !isMeasurementCode(o.code)) fail(`${path}.code must be a measurement code (${Object.keys(MEASUREMENTS).join(', ')})`);
  return { id, code: o.code as ThresholdRule['code'] };
}

function threshold(input: unknown, path: string): ThresholdRule {
  const o = object(input, path);
  only(o, path, ['id', 'code', 'below', 'above', 'holdOffMs', 'clearAt', 'clearHoldMs', 'maxGapMs', 'priority']);
  const head = ruleHead(o, path);
  if ((o.below === undefined) === (o.above === undefined)) fail(`${path} needs exactly one of below, above`);
  const d = DEFAULT_THRESHOLD_RULE;
  const rule = {
    ...head,
    holdOffMs: ms(o.holdOffMs, `${path}.holdOffMs`, d.holdOffMs, true),
    clearHoldMs: ms(o.clearHoldMs, `${path}.clearHoldMs`, d.clearHoldMs, true),
    maxGapMs: ms(o.maxGapMs, `${path}.maxGapMs`, d.maxGapMs),
    priority: priority(o.priority, `${path}.priority`, d.priority),
  };
  if (o.below !== undefined) {
    const below = num(o.below, `${path}.below`);
    const clearAt = o.clearAt === undefined ? below : num(o.clearAt, `${path}.clearAt`);
    if (clearAt < below) fail(`${path}.clearAt must be at least below (${below}): it is the recovered side`);
    return { ...rule, below, clearAt };
  }
  const above = num(o.above, `${path}.above`);
  const clearAt = o.clearAt === undefined ? above : num(o.clearAt, `${path}.clearAt`);
  if (clearAt > above) fail(`${path}.clearAt must be at most above (${above}): it is the recovered side`);
  return { ...rule, above, clearAt };
}

function rate(input: unknown, path: string): RateRule {
  const o = object(input, path);
  only(o, path, ['id', 'code', 'direction', 'change', 'withinMs', 'clearChange', 'clearHoldMs', 'priority']);
  const head = ruleHead(o, path);
  const d = DEFAULT_RATE_RULE;
  const direction = o.direction ?? d.direction;
  if (direction !== 'rise' && direction !== 'fall') fail(`${path}.direction must be rise or fall`);
  const change = num(o.change, `${path}.change`);
  if (change <= 0) fail(`${path}.change must be more than 0`);
  const clearChange = o.clearChange === undefined ? change : num(o.clearChange, `${path}.clearChange`);
  if (clearChange < 0 || clearChange > change) fail(`${path}.clearChange must be from 0 to change (${change})`);
  return {
    ...head,
    direction: direction as RateRule['direction'],
    change,
    clearChange,
    withinMs: ms(o.withinMs, `${path}.withinMs`, d.withinMs),
    clearHoldMs: ms(o.clearHoldMs, `${path}.clearHoldMs`, d.clearHoldMs, true),
    priority: priority(o.priority, `${path}.priority`, d.priority),
  };
}

function technical(input: unknown): TechnicalRules {
  const o = object(input, 'technical');
  only(o, 'technical', ['noData', 'sensorOff', 'implausible', 'lowBattery']);
  const d = DEFAULT_PATIENT_RULES.technical;
  const simple = (key: 'noData' | 'sensorOff') => {
    if (o[key] === undefined) return d[key];
    const s = object(o[key], `technical.${key}`);
    only(s, `technical.${key}`, ['enabled', 'priority']);
    return { enabled: bool(s.enabled, `technical.${key}.enabled`, d[key].enabled), priority: priority(s.priority, `technical.${key}.priority`, d[key].priority) };
  };
  let implausible = d.implausible;
  if (o.implausible !== undefined) {
    const s = object(o.implausible, 'technical.implausible');
    only(s, 'technical.implausible', ['enabled', 'priority', 'clearAfterMs']);
    implausible = {
      enabled: bool(s.enabled, 'technical.implausible.enabled', d.implausible.enabled),
      priority: priority(s.priority, 'technical.implausible.priority', d.implausible.priority),
      clearAfterMs: ms(s.clearAfterMs, 'technical.implausible.clearAfterMs', d.implausible.clearAfterMs, true),
    };
  }
  let lowBattery = d.lowBattery;
  if (o.lowBattery !== undefined) {
    const s = object(o.lowBattery, 'technical.lowBattery');
    only(s, 'technical.lowBattery', ['enabled', 'priority', 'below', 'clearAt']);
    const below = s.below === undefined ? d.lowBattery.below : num(s.below, 'technical.lowBattery.below');
    const clearAt = s.clearAt === undefined ? Math.max(below, d.lowBattery.clearAt) : num(s.clearAt, 'technical.lowBattery.clearAt');
    if (below < 0 || below > 100 || clearAt < below || clearAt > 100) fail('technical.lowBattery needs 0 <= below <= clearAt <= 100 (%)');
    lowBattery = {
      enabled: bool(s.enabled, 'technical.lowBattery.enabled', d.lowBattery.enabled),
      priority: priority(s.priority, 'technical.lowBattery.priority', d.lowBattery.priority),
      below,
      clearAt,
    };
  }
  return { noData: simple('noData'), sensorOff: simple('sensorOff'), implausible, lowBattery };
}

function fail(message: string): never {
  throw new AlertsError('ALERTS_E_RULES', message);
}

function object(input: unknown, path: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(`${path} must be an object`);
  return input as Record<string, unknown>;
}

function array(input: unknown, path: string): unknown[] {
  if (!Array.isArray(input)) fail(`${path} must be an array`);
  if (input.length > 32) fail(`${path} holds at most 32 rules`);
  return input;
}

function only(o: Record<string, unknown>, path: string, keys: readonly string[]): void {
  const unknown = Object.keys(o).find((k) => !keys.includes(k));
  if (unknown !== undefined) fail(`${path} has an unknown field "${unknown.slice(0, 64)}" (allowed: ${keys.join(', ')})`);
}

function num(input: unknown, path: string): number {
  if (typeof input !== 'number' || !Number.isFinite(input)) fail(`${path} must be a number`);
  return input;
}

function bool(input: unknown, path: string, fallback: boolean): boolean {
  if (input === undefined) return fallback;
  if (typeof input !== 'boolean') fail(`${path} must be true or false`);
  return input;
}

function ms(input: unknown, path: string, fallback: number, zeroAllowed = false): number {
  if (input === undefined) return fallback;
  if (typeof input !== 'number' || !Number.isSafeInteger(input) || input < (zeroAllowed ? 0 : 1) || input > DAY) {
    fail(`${path} must be a whole number of ms from ${zeroAllowed ? 0 : 1} to ${DAY}`);
  }
  return input;
}

function priority(input: unknown, path: string, fallback: AlertPriority): AlertPriority {
  if (input === undefined) return fallback;
  if (typeof input !== 'string' || !(PRIORITIES as readonly string[]).includes(input)) fail(`${path} must be one of ${PRIORITIES.join(', ')}`);
  return input as AlertPriority;
}
