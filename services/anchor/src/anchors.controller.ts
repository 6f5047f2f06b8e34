import { BadRequestException, Controller, Get, Injectable, Param, PipeTransform, Query } from '@nestjs/common';
import { parseReadingId, PatientData, Roles } from '@pulseproof/contracts';
import { Batch, BatchStatus, BatchStore } from './batch-store';
import { Receipt } from './receipt';
import { ReceiptService } from './receipt.service';

export const ANCHORS_DEFAULT_LIMIT = 50;
export const ANCHORS_MAX_LIMIT = 500;

/**
 * One line of GET /api/anchors (issue 4 item 2): id, root, leaf range (first and last reading id),
 * count, first and last reading time (device times, ms since epoch), transaction, block, status.
 */
export type AnchorSummary = Pick<
  Batch,
  'id' | 'root' | 'count' | 'fromTime' | 'toTime' | 'firstReadingId' | 'lastReadingId' | 'status' | 'txHash' | 'blockNumber'
> & {
  /** the last anchoring failure while the batch waits for a retry */
  readonly error?: string;
};

export function anchorSummary(b: Batch): AnchorSummary {
  const { id, root, count, fromTime, toTime, firstReadingId, lastReadingId, status, txHash, blockNumber } = b;
  return { id, root, count, fromTime, toTime, firstReadingId, lastReadingId, status, txHash, blockNumber, ...(b.error && status === 'failed' ? { error: b.error } : {}) };
}

/** `?limit=`: an integer in 1..500, 50 when absent. */
@Injectable()
export class AnchorsLimitPipe implements PipeTransform<string | undefined, number> {
  transform(value: string | undefined): number {
    if (value === undefined || value === '') return ANCHORS_DEFAULT_LIMIT;
    const limit = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
    if (!(limit >= 1 && limit <= ANCHORS_MAX_LIMIT)) {
      throw new BadRequestException(`limit must be an integer from 1 to ${ANCHORS_MAX_LIMIT}`);
    }
    return limit;
  }
}

/** `:id` of a reading: `<deviceId>:<seq>`. */
@Injectable()
export class ReadingIdPipe implements PipeTransform<string, { deviceId: string; seq: number }> {
  transform(value: string): { deviceId: string; seq: number } {
    const id = parseReadingId(value);
    if (!id) throw new BadRequestException('reading id must be <deviceId>:<seq>, e.g. bed-12-monitor:1731');
    return id;
  }
}

@Controller('api')
@Roles('auditor')
export class AnchorsController {
  constructor(
    private readonly store: BatchStore,
    private readonly receipts: ReceiptService,
  ) {}

  /** Batches, newest first. */
  @Get('anchors')
  // batch roots and reading-id ranges, no patient data: the dashboard shows whether a reading is anchored yet
  @Roles('auditor', 'clinician')
  list(@Query('limit', AnchorsLimitPipe) limit: number): AnchorSummary[] {
    return this.store.listBatches(limit).map(anchorSummary);
  }

  /** 400 bad id, 404 unknown reading, 409 stored but not anchored yet. */
  @Get('readings/:id/receipt')
  // a receipt carries the reading's measurements: logged as a read of that reading's patient (receipt.reading.patientId)
  @PatientData({ response: { oneAt: 'reading' } })
  receipt(@Param('id', ReadingIdPipe) id: { deviceId: string; seq: number }): Receipt {
    return this.receipts.receiptOrThrow(id.deviceId, id.seq);
  }
}
