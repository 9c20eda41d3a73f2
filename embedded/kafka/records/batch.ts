import { compress } from './compression.js';
import { crc32c } from './crc32c.js';
import {
  Attribute,
  BATCH_HEADER_SIZE,
  BatchField,
  CRC_START,
  LOG_OVERHEAD,
  MAGIC_V2,
  batchCodec,
} from './header.js';
import { type KafkaRecord, encodeRecords } from './record.js';
import { writeInt64 } from './varint.js';

export function verifyBatchCrc(batch: Buffer): boolean {
  return crc32c(batch, CRC_START) === batch.readUInt32BE(BatchField.crc);
}

export function setBatchCrc(batch: Buffer): void {
  batch.writeUInt32BE(crc32c(batch, CRC_START), BatchField.crc);
}

/** Sets baseOffset and partitionLeaderEpoch in place; both lie outside the CRC. */
export function assignBaseOffset(batch: Buffer, baseOffset: number, leaderEpoch: number): void {
  writeInt64(batch, BatchField.baseOffset, baseOffset);
  batch.writeInt32BE(leaderEpoch, BatchField.partitionLeaderEpoch);
}

/** Marks the batch LogAppendTime with maxTimestamp = `now` (in place) and recomputes the CRC. */
export function setLogAppendTime(batch: Buffer, now: number): void {
  const attributes = batch.readInt16BE(BatchField.attributes);
  batch.writeInt16BE(attributes | Attribute.logAppendTime, BatchField.attributes);
  writeInt64(batch, BatchField.maxTimestamp, now);
  setBatchCrc(batch);
}

export interface BatchToEncode {
  baseOffset: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  partitionLeaderEpoch: number;
  records: readonly KafkaRecord[];
}

/** Builds a batch (compressing with the codec named in `attributes`) with its CRC set. */
export function encodeBatch(b: BatchToEncode): Buffer {
  const payload = compress(batchCodec(b.attributes), encodeRecords(b.records));
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + payload.length);
  writeInt64(batch, BatchField.baseOffset, b.baseOffset);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BatchField.batchLength);
  batch.writeInt32BE(b.partitionLeaderEpoch, BatchField.partitionLeaderEpoch);
  batch.writeInt8(MAGIC_V2, BatchField.magic);
  batch.writeInt16BE(b.attributes, BatchField.attributes);
  batch.writeInt32BE(b.lastOffsetDelta, BatchField.lastOffsetDelta);
  writeInt64(batch, BatchField.baseTimestamp, b.baseTimestamp);
  writeInt64(batch, BatchField.maxTimestamp, b.maxTimestamp);
  writeInt64(batch, BatchField.producerId, b.producerId);
  batch.writeInt16BE(b.producerEpoch, BatchField.producerEpoch);
  batch.writeInt32BE(b.baseSequence, BatchField.baseSequence);
  batch.writeInt32BE(b.records.length, BatchField.recordsCount);
  payload.copy(batch, BATCH_HEADER_SIZE);
  setBatchCrc(batch);
  return batch;
}
