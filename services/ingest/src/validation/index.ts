export * from './plausibility';
export * from './schema';
export * from './structure';
export * from './timestamps';
