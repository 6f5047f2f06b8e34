export { planAmbulances, AMBULANCE_DEFAULTS, MAX_AMBULANCES } from './ambulance-plan';
export type { AmbulancePlanOptions, AmbulanceMember } from './ambulance-plan';
export { SimulatedAmbulance } from './ambulance-unit';
export type { AmbulanceUnitOptions, AmbulanceStats } from './ambulance-unit';
export { startAmbulances } from './ambulance-fleet';
export type { AmbulanceFleet, AmbulanceFleetOptions } from './ambulance-fleet';
export { RouteDrive } from './route-drive';
export { mainAmbulances } from './ambulance-cli';
