export * from './dead-letter-store';
export * from './dead-letters.controller';
