export * from './bus';
export * from './sqlite-bus';
export * from './sqlite';
