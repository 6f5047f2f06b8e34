export * from './sequence-gap-store';
export * from './sequence-gaps.controller';
