import { BadRequestException, Controller, Get, Param, Query } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { BatchStore } from '@pulseproof/anchor';
import { PatientData, Roles, parseReadingId } from '@pulseproof/contracts';

export type AnchoringState = 'anchored' | 'pending' | 'unknown';
const MAX_READINGS = 50;

/**
 * `GET /api/dashboard/patients/:id/anchoring?readings=<id>,<id>`: whether each of a patient's
 * readings is on chain yet, for the patient detail. Clinicians may not fetch receipts (they carry
 * the proof an auditor handles), but may know that a reading is anchored. A reading of another
 * patient answers `unknown`, so ids cannot be used to probe other wards.
 */
@Controller('api/dashboard/patients')
export class AnchoringController {
  private batches: BatchStore | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  @Get(':id/anchoring')
  @Roles('clinician', 'auditor')
  @PatientData({ param: 'id', response: 'none' })
  anchoring(@Param('id') patientId: string, @Query('readings') list?: unknown): { readings: { id: string; state: AnchoringState }[] } {
    // Express parses `?readings=a&readings=b` into an array: one comma-separated value is the contract
    if (list !== undefined && typeof list !== 'string') {
      throw new BadRequestException('"readings" must be given once, as reading ids (<deviceId>:<seq>) comma-separated, e.g. ?readings=dev-1:1,dev-1:2');
    }
    const ids = (list ?? '').split(',').filter((id) => id !== '');
    if (ids.length === 0 || ids.length > MAX_READINGS) {
      throw new BadRequestException(`"readings" must list 1 to ${MAX_READINGS} reading ids (<deviceId>:<seq>), comma-separated`);
    }
    this.batches ??= this.moduleRef.get(BatchStore, { strict: false });
    return { readings: ids.map((id) => ({ id, state: this.stateOf(patientId, id) })) };
  }

  private stateOf(patientId: string, id: string): AnchoringState {
    const parsed = parseReadingId(id);
    const stored = parsed && this.batches!.leaf(parsed.deviceId, parsed.seq);
    if (!stored || (JSON.parse(stored.reading) as { patientId?: string }).patientId !== patientId) return 'unknown';
    if (stored.batchId === null) return 'pending';
    const status = this.batches!.batch(stored.batchId)?.status;
    // the receipt service's rule: a receipt exists once the batch is confirmed (or re-anchored)
    return status === 'confirmed' || status === 're-anchored' ? 'anchored' : 'pending';
  }
}
