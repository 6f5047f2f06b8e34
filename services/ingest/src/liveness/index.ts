export * from './liveness-store';
export * from './liveness-tracker';
export * from './liveness.controller';
export * from './liveness.service';
export * from './presence';
