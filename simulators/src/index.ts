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
