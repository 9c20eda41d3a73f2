import fs from 'node:fs';
import {
  BATCH_HEADER_SIZE,
  BatchField,
  CRC_START,
  LOG_OVERHEAD,
  MAGIC_V2,
  crc32c,
  readInt64,
} from '../records/index.js';

/** Header fields of a batch found in a segment file, with where it lies. */
export interface ScannedBatch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  attributes: number;
  recordsCount: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
}

const CHUNK_SIZE = 1 << 20;

/**
 * Walks the batches of a segment file from a position, reading the file in large chunks so
 * that walking many small batches costs few system calls. Stops at the first batch that is torn
 * (runs past `end`), malformed, out of offset order or (with `verifyCrc`) fails its CRC;
 * `error` then says why and `position` is where the valid part of the file ends.
 */
export class BatchScanner {
  position: number;
  error: string | null = null;
  private buf: Buffer;
  private bufStart = 0;
  private bufLength = 0;
  private nextExpectedOffset: number;

  constructor(
    private readonly fd: number,
    start: number,
    private readonly end: number,
    private readonly options: { verifyCrc: boolean; minOffset: number; chunkSize?: number | undefined },
  ) {
    this.position = start;
    this.nextExpectedOffset = options.minOffset;
    this.buf = Buffer.allocUnsafe(
      Math.min(options.chunkSize ?? CHUNK_SIZE, Math.max(BATCH_HEADER_SIZE, end - start)),
    );
  }

  next(): ScannedBatch | null {
    if (this.error !== null || this.position >= this.end) return null;
    const position = this.position;
    if (this.end - position < BATCH_HEADER_SIZE)
      return this.fail(`torn batch header at position ${position}`);
    const header = this.window(position, BATCH_HEADER_SIZE);
    const at = position - this.bufStart;
    const batchLength = header.readInt32BE(at + BatchField.batchLength);
    const size = batchLength + LOG_OVERHEAD;
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD)
      return this.fail(`bad batch length ${batchLength} at position ${position}`);
    if (position + size > this.end)
      return this.fail(`torn batch at position ${position}: ${size} bytes, ${this.end - position} left`);
    const magic = header.readInt8(at + BatchField.magic);
    if (magic !== MAGIC_V2) return this.fail(`bad magic ${magic} at position ${position}`);
    const baseOffset = readInt64(header, at + BatchField.baseOffset);
    const lastOffsetDelta = header.readInt32BE(at + BatchField.lastOffsetDelta);
    if (baseOffset < this.nextExpectedOffset || lastOffsetDelta < 0) {
      return this.fail(
        `batch at position ${position} has offset ${baseOffset}, expected at least ${this.nextExpectedOffset}`,
      );
    }
    const batch: ScannedBatch = {
      position,
      size,
      baseOffset,
      lastOffset: baseOffset + lastOffsetDelta,
      attributes: header.readInt16BE(at + BatchField.attributes),
      recordsCount: header.readInt32BE(at + BatchField.recordsCount),
      baseTimestamp: readInt64(header, at + BatchField.baseTimestamp),
      maxTimestamp: readInt64(header, at + BatchField.maxTimestamp),
      producerId: readInt64(header, at + BatchField.producerId),
      producerEpoch: header.readInt16BE(at + BatchField.producerEpoch),
      baseSequence: header.readInt32BE(at + BatchField.baseSequence),
      lastOffsetDelta,
    };
    if (this.options.verifyCrc) {
      const crc = header.readUInt32BE(at + BatchField.crc);
      const whole = this.window(position, size);
      const start = position - this.bufStart;
      if (crc32c(whole, start + CRC_START, start + size) !== crc)
        return this.fail(`CRC mismatch in batch at position ${position}`);
    }
    this.position = position + size;
    this.nextExpectedOffset = batch.lastOffset + 1;
    return batch;
  }

  /** The bytes of a batch returned by the last `next()`; valid until the next call. */
  bytes(batch: ScannedBatch): Buffer {
    const buf = this.window(batch.position, batch.size);
    const start = batch.position - this.bufStart;
    return buf.subarray(start, start + batch.size);
  }

  private fail(reason: string): null {
    this.error = reason;
    return null;
  }

  /** Makes file bytes [position, position + length) available in `buf` and returns it. */
  private window(position: number, length: number): Buffer {
    if (position >= this.bufStart && position + length <= this.bufStart + this.bufLength) return this.buf;
    if (length > this.buf.length) this.buf = Buffer.allocUnsafe(length);
    const wanted = Math.min(this.buf.length, this.end - position);
    const read = fs.readSync(this.fd, this.buf, 0, wanted, position);
    this.bufStart = position;
    this.bufLength = read;
    if (read < length)
      throw new Error(`short read at position ${position}: wanted ${length} bytes, got ${read}`);
    return this.buf;
  }
}
