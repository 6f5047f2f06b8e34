/**
 * @pulseproof/simulators: simulated patients and the bedside monitors that publish their vital
 * signs over MQTT exactly as real devices do. The `pulseproof-sim` CLI lives in cli.ts.
 */
export { SeededRandom, hashSeed } from './random';
export { PatientModel, VITAL_CODES, DEFAULT_DETERIORATION_MINUTES, NOISE_BOUND_SD } from './patient-model';
export type { PatientModelOptions, DeteriorationOptions, DeteriorationProfile, Vitals, VitalCode } from './patient-model';
export { SENSOR_DECIMALS, roundToSensor, toDeviceMessage } from './device-message';
export { SimulatedDevice, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_RECONNECT_PERIOD_MS } from './device';
export type { DeviceOptions, DeviceStats } from './device';
export { planFleet, resolveFleetPlanOptions, FLEET_DEFAULTS, MAX_PATIENTS, MIN_INTERVAL_MS } from './fleet-plan';
export type { FleetPlanOptions, ResolvedFleetPlanOptions, FleetMember } from './fleet-plan';
export { startFleet } from './fleet';
export type { Fleet, FleetOptions, FleetStats, FleetTotals } from './fleet';
export { SimulatorError } from './errors';
export type { SimulatorErrorCode } from './errors';
export { circadianOffsets, circadianPhase, CIRCADIAN_AMPLITUDE } from './circadian';
export {
  PHYSIOLOGICAL_SCENARIOS,
  DEVICE_SCENARIOS,
  SCENARIO_NAMES,
  isPhysiologicalScenario,
  isDeviceScenario,
} from './scenarios/names';
export type { PhysiologicalScenario, DeviceScenario, ScenarioName, TimelineEvent } from './scenarios/names';
export { drawTarget, DEFAULT_RAMP_MINUTES } from './scenarios/physiology';
export type { ScenarioTarget } from './scenarios/physiology';
export { DeviceFaults, BATTERY_DRAIN_PER_MINUTE, CLOCK_DRIFT_RATE, FLAP_PERIOD_MS } from './scenarios/device-faults';
export type { DeviceFaultState } from './scenarios/device-faults';
export { composeReading, DEVICE_KINDS } from './device-reading';
export type { DeviceKind, ReadingInputs } from './device-reading';
export { WearableModel, DEFAULT_SITE } from './wearable-model';
export type { WearableExtras } from './wearable-model';
export type { DeviceTlsOptions } from './device';
export { launchFleet, connectionOptions } from './fleet';
export type { DeviceConnectionOptions } from './fleet';
export { parseWardScenario, loadWardScenario, planWard, wardScenarioSchema } from './ward-scenario';
export type { WardScenario, WardPatient, WardMember } from './ward-scenario';
export { startWard } from './ward';
export type { WardOptions } from './ward';
export { parseDuration } from './duration';
export { runLoad, MAX_IN_FLIGHT_PER_DEVICE } from './load/load-generator';
export type { LatencySummary, LoadOptions, LoadStats, LoadReport } from './load/load-generator';
export { startNullBroker, measureGeneratorCapacity } from './load/null-broker';
export type { NullBroker, CapacityOptions } from './load/null-broker';
export { readTlsFiles } from './tls-files';
export * from './ambulance';
