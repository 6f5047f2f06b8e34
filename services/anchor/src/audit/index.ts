export * from './stored-readings';
export * from './anchor-records';
export * from './chain-roots';
export * from './range-audit';
