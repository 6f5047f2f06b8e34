import { PatientOwnedRecord } from '@pulseproof/contracts';

/** Finds the patient a record belongs to (an alert, a dispatch); undefined when there is no such record. */
export abstract class PatientRecords {
  abstract patientOf(kind: PatientOwnedRecord, id: string): string | undefined;
}
