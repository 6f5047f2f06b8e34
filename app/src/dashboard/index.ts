export * from './dashboard.module';
export * from './dashboard.options';
export * from './patient-live';
