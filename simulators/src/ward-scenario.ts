import { ID_PATTERN } from '@pulseproof/contracts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEVICE_KINDS, DeviceKind } from './device-reading';
import { parseDuration } from './duration';
import { SimulatorError } from './errors';
import { FLEET_DEFAULTS, FleetMember, MIN_INTERVAL_MS } from './fleet-plan';
import { hashSeed } from './random';
import { SCENARIO_NAMES, ScenarioName, TimelineEvent, isDeviceScenario } from './scenarios/names';

/**
 * A ward described in a JSON file: its patients, the devices each wears, and what happens to them
 * when (simulated time from the start).
 *
 *   { "seed": 7, "interval": "1s",
 *     "patients": [{ "id": "p1", "devices": ["monitor", "wearable"],
 *                    "timeline": [{ "at": "2m", "scenario": "hypoxia", "ramp": "1m" },
 *                                 { "at": "10m", "scenario": "network-flapping", "for": "2m" }] }] }
 *
 * Device ids are `<patient id>-monitor` and `<patient id>-wearable`. Both devices of a patient play
 * the same physiology (same seed, same timeline) with their own sensor noise.
 */
const duration = (what: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a duration such as "90s", "2m", "1.5h" (got "${text}")` });
      return z.NEVER;
    }
    return ms;
  });

const timelineEventSchema = z.strictObject({
  at: duration('at'),
  scenario: z.enum(SCENARIO_NAMES as [ScenarioName, ...ScenarioName[]], {
    error: () => `scenario must be one of ${SCENARIO_NAMES.join(', ')}`,
  }),
  /** physiological scenarios: time to reach the target */
  ramp: duration('ramp').optional(),
  /** device scenarios: how long the fault lasts */
  for: duration('for').optional(),
});

const patientSchema = z.strictObject({
  id: z
    .string()
    .max(55, 'id must be at most 55 characters (device ids append -wearable)')
    .regex(ID_PATTERN, 'id must be letters, digits, . _ - starting with a letter or digit'),
  devices: z
    .array(z.enum(DEVICE_KINDS as [DeviceKind, ...DeviceKind[]], { error: () => `device must be one of ${DEVICE_KINDS.join(', ')}` }))
    .min(1, 'a patient needs at least one device')
    .refine((kinds) => new Set(kinds).size === kinds.length, 'a device kind may appear once per patient'),
  timeline: z.array(timelineEventSchema).default([]),
});

export const wardScenarioSchema = z.strictObject({
  seed: z.union([z.number().int().min(0), z.string().min(1)]).default(FLEET_DEFAULTS.seed),
  interval: duration('interval')
    .refine((ms) => ms >= MIN_INTERVAL_MS, `interval must be at least ${MIN_INTERVAL_MS}ms`)
    .optional(),
  patients: z
    .array(patientSchema)
    .min(1, 'a ward needs at least one patient')
    .refine((patients) => new Set(patients.map((p) => p.id)).size === patients.length, 'patient ids must be unique'),
});

export interface WardScenario {
  readonly seed: number | string;
  /** ms between two readings of one device, when the file says */
  readonly intervalMs: number | undefined;
  readonly patients: readonly WardPatient[];
}

export interface WardPatient {
  readonly id: string;
  readonly devices: readonly DeviceKind[];
  readonly timeline: readonly TimelineEvent[];
}

export interface WardMember extends FleetMember {
  readonly kind: DeviceKind;
  readonly timeline: readonly TimelineEvent[];
}

/** Checks a parsed JSON value; throws SIM_E_BAD_SCENARIO listing every problem with its path. */
export function parseWardScenario(value: unknown, source = 'scenario'): WardScenario {
  const result = wardScenarioSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${formatPath(issue.path)}: ${issue.message}`);
    throw new SimulatorError('SIM_E_BAD_SCENARIO', `${source} is not a valid ward scenario:\n${problems.join('\n')}`);
  }
  const data = result.data;
  return {
    seed: data.seed,
    intervalMs: data.interval,
    patients: data.patients.map((patient) => ({
      id: patient.id,
      devices: patient.devices,
      timeline: patient.timeline.map((event) => ({
        atMs: event.at,
        scenario: event.scenario,
        ...(event.ramp !== undefined ? { rampMinutes: Math.max(event.ramp, 1) / 60_000 } : {}),
        ...(event.for !== undefined ? { forMs: event.for } : {}),
      })),
    })),
  };
}

/** Reads and checks a scenario file. */
export function loadWardScenario(path: string): WardScenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SimulatorError('SIM_E_BAD_SCENARIO', `cannot read scenario file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SimulatorError('SIM_E_BAD_SCENARIO', `scenario file ${path} is not JSON: ${(error as Error).message}`);
  }
  return parseWardScenario(value, `scenario file ${path}`);
}

/** The ward's devices, in file order: register these with ingest before starting the ward. */
export function planWard(scenario: WardScenario): WardMember[] {
  return scenario.patients.flatMap((patient) =>
    patient.devices.map((kind) => ({
      deviceId: `${patient.id}-${kind}`,
      patientId: patient.id,
      kind,
      deteriorates: patient.timeline.some((event) => !isDeviceScenario(event.scenario) && event.scenario !== 'stable'),
      modelSeed: hashSeed(`${scenario.seed}:patient:${patient.id}`),
      timeline: patient.timeline,
    })),
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(file)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}
