export * from './device-registry';
export * from './devices.controller';
export * from './errors';
export * from './mosquitto-export';
export * from './secrets';
export * from './sqlite-device-registry';
export * from './topic-acl';
