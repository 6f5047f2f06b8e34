export * from './bus';
export * from './sqlite-bus';
export * from './sqlite';
export * from './kafka-bus';
export * from './kafka-lease';
