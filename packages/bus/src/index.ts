export * from './bus';
export * from './sqlite-bus';
export * from './sqlite';
export * from './sqlite-group-commit';
export * from './kafka-bus';
export * from './kafka-lease';
export { killOnExit } from './testing/kill-on-exit';
