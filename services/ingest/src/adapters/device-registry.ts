// The registry moved to ../registry (credentials, gateways, time-ranged assignments); this path
// keeps existing imports working.
export * from '../registry/device-registry';
export * from '../registry/sqlite-device-registry';
