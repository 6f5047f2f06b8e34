/**
 * The clinical and device scenarios a simulated patient can play. Physiological scenarios change
 * the patient's vital signs (the model's mean moves to the scenario's target); device scenarios
 * change what the device reports or how it talks to the broker, not the patient.
 */
export const PHYSIOLOGICAL_SCENARIOS = Object.freeze([
  'stable',
  'sepsis-like',
  'hypoxia',
  'tachyarrhythmia',
  'haemorrhage',
  'cardiac-arrest',
] as const);

export const DEVICE_SCENARIOS = Object.freeze(['sensor-detached', 'battery-drain', 'network-flapping', 'clock-drift'] as const);

export type PhysiologicalScenario = (typeof PHYSIOLOGICAL_SCENARIOS)[number];
export type DeviceScenario = (typeof DEVICE_SCENARIOS)[number];
export type ScenarioName = PhysiologicalScenario | DeviceScenario;

export const SCENARIO_NAMES: readonly ScenarioName[] = Object.freeze([...PHYSIOLOGICAL_SCENARIOS, ...DEVICE_SCENARIOS]);

export function isPhysiologicalScenario(name: string): name is PhysiologicalScenario {
  return (PHYSIOLOGICAL_SCENARIOS as readonly string[]).includes(name);
}

export function isDeviceScenario(name: string): name is DeviceScenario {
  return (DEVICE_SCENARIOS as readonly string[]).includes(name);
}

/** One step of a patient's timeline, in simulated time from the start. */
export interface TimelineEvent {
  readonly atMs: number;
  readonly scenario: ScenarioName;
  /** physiological: minutes from `atMs` until the target is reached; default per scenario */
  readonly rampMinutes?: number;
  /** device scenarios: how long the fault lasts, ms; default until the end */
  readonly forMs?: number;
}
