import { InvalidRecordError } from './errors.js';
import { readInt64 } from './varint.js';

/** Byte positions of the RecordBatch v2 header fields (KAFKA-PROTOCOL.md §3). */
export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
} as const;

/** Size of the fixed batch header; the records start here. */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset (8) + batchLength (4): the bytes that batchLength does not count. */
export const LOG_OVERHEAD = 12;
/** The CRC covers everything from the attributes to the end of the batch. */
export const CRC_START = BatchField.attributes;
export const MAGIC_V2 = 2;

export const Attribute = {
  codecMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
  hasDeleteHorizon: 0x40,
} as const;

export const Codec = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

export interface RecordBatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

export function readBatchHeader(buf: Buffer, at = 0): RecordBatchHeader {
  if (buf.length - at < BATCH_HEADER_SIZE) {
    throw new InvalidRecordError(
      `record batch header needs ${BATCH_HEADER_SIZE} bytes, got ${buf.length - at}`,
    );
  }
  return {
    baseOffset: readInt64(buf, at + BatchField.baseOffset),
    batchLength: buf.readInt32BE(at + BatchField.batchLength),
    partitionLeaderEpoch: buf.readInt32BE(at + BatchField.partitionLeaderEpoch),
    magic: buf.readInt8(at + BatchField.magic),
    crc: buf.readUInt32BE(at + BatchField.crc),
    attributes: buf.readInt16BE(at + BatchField.attributes),
    lastOffsetDelta: buf.readInt32BE(at + BatchField.lastOffsetDelta),
    baseTimestamp: readInt64(buf, at + BatchField.baseTimestamp),
    maxTimestamp: readInt64(buf, at + BatchField.maxTimestamp),
    producerId: readInt64(buf, at + BatchField.producerId),
    producerEpoch: buf.readInt16BE(at + BatchField.producerEpoch),
    baseSequence: buf.readInt32BE(at + BatchField.baseSequence),
    recordsCount: buf.readInt32BE(at + BatchField.recordsCount),
  };
}

export function batchCodec(attributes: number): number {
  return attributes & Attribute.codecMask;
}

/** Whole size of the batch starting at `at` (batchLength + 12). */
export function batchSizeAt(buf: Buffer, at = 0): number {
  return buf.readInt32BE(at + BatchField.batchLength) + LOG_OVERHEAD;
}

export function batchBaseOffset(buf: Buffer, at = 0): number {
  return readInt64(buf, at + BatchField.baseOffset);
}

export function batchLastOffset(buf: Buffer, at = 0): number {
  return batchBaseOffset(buf, at) + buf.readInt32BE(at + BatchField.lastOffsetDelta);
}
