export * from './datasource';
export * from './generate';
export * from './influxql';
export * from './provisioning';
export { PATIENT_DETAIL_UID, PATIENT_VARIABLE, patientDetail } from './dashboards/patient-detail';
export { PIPELINE_HEALTH_UID, pipelineHealth } from './dashboards/pipeline-health';
export { WARD_OVERVIEW_UID, wardOverview } from './dashboards/ward-overview';
