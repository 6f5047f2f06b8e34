export * from './bus';
export * from './sqlite-bus';
