export { InvalidRecordError, UnsupportedCompressionError, codecName } from './errors.js';
export { crc32c } from './crc32c.js';
export {
  Attribute,
  BATCH_HEADER_SIZE,
  BatchField,
  Codec,
  CRC_START,
  LOG_OVERHEAD,
  MAGIC_V2,
  type RecordBatchHeader,
  batchBaseOffset,
  batchCodec,
  batchLastOffset,
  batchSizeAt,
  readBatchHeader,
} from './header.js';
export { splitBatches } from './split.js';
export { compress, decompress, isCodecAvailable } from './compression.js';
export {
  type KafkaRecord,
  type RecordHeader,
  decodeRecords,
  decodeRecordsPayload,
  encodeRecords,
  hasRecordWithoutKey,
  lastRecordOffsetDelta,
  recordsPayload,
} from './record.js';
export {
  type BatchToEncode,
  assignBaseOffset,
  encodeBatch,
  setBatchCrc,
  setLogAppendTime,
  verifyBatchCrc,
} from './batch.js';
export { readInt64, readVarint, sizeOfVarint, writeInt64, writeVarint } from './varint.js';
