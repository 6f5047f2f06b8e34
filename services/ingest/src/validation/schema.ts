import { DeviceMessage, MEASUREMENTS, deviceMessageSchema, isMeasurementCode } from '@pulseproof/contracts';
import { Rejection } from '../errors';

interface Issue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * The wire schema (contracts' deviceMessageSchema). A message whose only fault is a unit gets its
 * own code, INGEST_E_UNIT, naming the catalogue's UCUM code: units are compared exactly and
 * case-sensitively (UCUM §4: "mm[Hg]" is not "mmHg", "Cel" is not "cel"), never converted. A value
 * out of range in a wrong unit (99 [degF]) is the unit's fault, not a second one.
 */
export function checkSchema(json: unknown): DeviceMessage | Rejection {
  const parsed = deviceMessageSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues as readonly Issue[];
  const wrongUnit = new Set<PropertyKey>(issues.filter(isUnitIssue).map((issue) => issue.path[1]!));
  if (wrongUnit.size > 0 && issues.every((issue) => isUnitIssue(issue) || isValueIssueOf(issue, wrongUnit))) {
    const code = String(issues[0]!.path[1]);
    const expected = isMeasurementCode(code) ? MEASUREMENTS[code].unit : '?';
    const sent = (json as { measurements: Record<string, { unit: string }> }).measurements[code]!.unit;
    return new Rejection('INGEST_E_UNIT', `${code}: unit must be the UCUM code ${JSON.stringify(expected)} (exact, case-sensitive), got ${JSON.stringify(sent)}`);
  }
  return new Rejection('INGEST_E_SCHEMA', describeIssues(issues));
}

function isUnitIssue(issue: Issue): boolean {
  return issue.code === 'custom' && issue.path.length === 3 && issue.path[0] === 'measurements' && issue.path[2] === 'unit';
}

function isValueIssueOf(issue: Issue, codes: ReadonlySet<PropertyKey>): boolean {
  return issue.code === 'custom' && issue.path.length === 3 && issue.path[0] === 'measurements' && issue.path[2] === 'value' && codes.has(issue.path[1]!);
}

function describeIssues(issues: readonly Issue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
    .slice(0, 500);
}
