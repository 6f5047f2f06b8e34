export * from './measurements';
export * from './reading';
export * from './topics';
export * from './messages';
export * from './health';
export * from './mqtt-messaging';
export * from './units';
export * from './roads';
