import { InvalidRecordError } from './errors.js';
import { BATCH_HEADER_SIZE, BatchField, LOG_OVERHEAD, MAGIC_V2 } from './header.js';

/**
 * Splits a `recs` blob (concatenated record batches, as a Produce request carries them) into one
 * Buffer slice per batch, without copying. Every batch must be whole and magic 2: a producer
 * never sends partial batches, so anything else is a malformed request.
 */
export function splitBatches(recs: Buffer): Buffer[] {
  const batches: Buffer[] = [];
  let at = 0;
  while (at < recs.length) {
    const remaining = recs.length - at;
    if (remaining < BATCH_HEADER_SIZE) {
      throw new InvalidRecordError(
        `truncated record batch: ${remaining} bytes left, a header needs ${BATCH_HEADER_SIZE}`,
      );
    }
    const batchLength = recs.readInt32BE(at + BatchField.batchLength);
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
      throw new InvalidRecordError(`record batch length ${batchLength} is smaller than a batch header`);
    }
    const size = batchLength + LOG_OVERHEAD;
    if (size > remaining) {
      throw new InvalidRecordError(
        `record batch of ${size} bytes runs past the end of the data (${remaining} bytes left)`,
      );
    }
    const magic = recs.readInt8(at + BatchField.magic);
    if (magic !== MAGIC_V2) {
      throw new InvalidRecordError(`unsupported record batch magic ${magic}; only magic 2 is accepted`);
    }
    batches.push(recs.subarray(at, at + size));
    at += size;
  }
  return batches;
}
