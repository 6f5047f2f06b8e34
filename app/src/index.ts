export * from './config';
export * from './embedded';
export * from './errors';
export * from './cli';
export * from './audit-verify';
export * from './audit-range';
