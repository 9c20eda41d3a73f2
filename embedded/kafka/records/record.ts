import { decompress } from './compression.js';
import { InvalidRecordError } from './errors.js';
import { BATCH_HEADER_SIZE, BatchField, batchCodec } from './header.js';
import { type Cursor, readVarint, sizeOfVarint, writeVarint } from './varint.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  offsetDelta: number;
  timestampDelta: number;
  attributes: number;
  key: Buffer | null;
  /** null is a tombstone. */
  value: Buffer | null;
  headers: RecordHeader[];
}

/** The records section of a batch, decompressed. */
export function recordsPayload(batch: Buffer): Buffer {
  const attributes = batch.readInt16BE(BatchField.attributes);
  return decompress(batchCodec(attributes), batch.subarray(BATCH_HEADER_SIZE));
}

/**
 * Decodes every record of a batch (decompressing it first). Keys, values and header values are
 * views into the (decompressed) batch: copy them if the batch buffer is reused.
 */
export function decodeRecords(batch: Buffer): KafkaRecord[] {
  const count = batch.readInt32BE(BatchField.recordsCount);
  return decodeRecordsPayload(recordsPayload(batch), count);
}

export function decodeRecordsPayload(payload: Buffer, count: number): KafkaRecord[] {
  if (count < 0) throw new InvalidRecordError(`negative record count ${count}`);
  const records: KafkaRecord[] = new Array<KafkaRecord>(count);
  const cursor: Cursor = { pos: 0 };
  try {
    for (let i = 0; i < count; i++) records[i] = readRecord(payload, cursor);
  } catch (error) {
    if (error instanceof InvalidRecordError) throw error;
    throw new InvalidRecordError(`malformed record: ${(error as Error).message}`);
  }
  if (cursor.pos !== payload.length) {
    throw new InvalidRecordError(`${payload.length - cursor.pos} bytes follow the last of ${count} records`);
  }
  return records;
}

function readBytes(buf: Buffer, cursor: Cursor): Buffer | null {
  const length = readVarint(buf, cursor);
  if (length < 0) return null;
  const end = cursor.pos + length;
  if (end > buf.length) throw new InvalidRecordError('record field runs past the end of the batch');
  const bytes = buf.subarray(cursor.pos, end);
  cursor.pos = end;
  return bytes;
}

function readRecord(buf: Buffer, cursor: Cursor): KafkaRecord {
  const length = readVarint(buf, cursor);
  const end = cursor.pos + length;
  if (length <= 0 || end > buf.length)
    throw new InvalidRecordError(`record length ${length} does not fit the batch`);
  const attributes = buf.readInt8(cursor.pos++);
  const timestampDelta = readVarint(buf, cursor);
  const offsetDelta = readVarint(buf, cursor);
  const key = readBytes(buf, cursor);
  const value = readBytes(buf, cursor);
  const headerCount = readVarint(buf, cursor);
  if (headerCount < 0) throw new InvalidRecordError(`negative header count ${headerCount}`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const headerKey = readBytes(buf, cursor);
    if (headerKey === null) throw new InvalidRecordError('record header with a null key');
    headers.push({ key: headerKey.toString('utf8'), value: readBytes(buf, cursor) });
  }
  if (cursor.pos !== end) throw new InvalidRecordError(`record length ${length} disagrees with its fields`);
  return { offsetDelta, timestampDelta, attributes, key, value, headers };
}

/**
 * The offsetDelta of the last record actually present. After compaction it can be smaller than
 * the batch's lastOffsetDelta; only the offsets are read, the rest of each record is skipped.
 */
export function lastRecordOffsetDelta(batch: Buffer): number {
  const count = batch.readInt32BE(BatchField.recordsCount);
  if (count === batch.readInt32BE(BatchField.lastOffsetDelta) + 1) return count - 1;
  const payload = recordsPayload(batch);
  const cursor: Cursor = { pos: 0 };
  let offsetDelta = -1;
  for (let i = 0; i < count; i++) {
    const length = readVarint(payload, cursor);
    const end = cursor.pos + length;
    cursor.pos++; // attributes
    readVarint(payload, cursor); // timestampDelta
    offsetDelta = readVarint(payload, cursor);
    cursor.pos = end;
  }
  return offsetDelta;
}

/**
 * Whether any record of the batch has a null key (a compacted topic refuses such batches).
 * Only the key lengths are read; the batch is decompressed if it must be.
 */
export function hasRecordWithoutKey(batch: Buffer): boolean {
  const count = batch.readInt32BE(BatchField.recordsCount);
  const payload = recordsPayload(batch);
  const cursor: Cursor = { pos: 0 };
  for (let i = 0; i < count; i++) {
    const length = readVarint(payload, cursor);
    const end = cursor.pos + length;
    cursor.pos++; // attributes
    readVarint(payload, cursor); // timestampDelta
    readVarint(payload, cursor); // offsetDelta
    if (readVarint(payload, cursor) < 0) return true;
    cursor.pos = end;
  }
  return false;
}

function sizeOfBytes(bytes: Buffer | null): number {
  return bytes === null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

function recordBodySize(record: KafkaRecord, headerKeys: Buffer[]): number {
  let size =
    1 +
    sizeOfVarint(record.timestampDelta) +
    sizeOfVarint(record.offsetDelta) +
    sizeOfBytes(record.key) +
    sizeOfBytes(record.value) +
    sizeOfVarint(record.headers.length);
  record.headers.forEach((header, i) => {
    size += sizeOfBytes(headerKeys[i] ?? null) + sizeOfBytes(header.value);
  });
  return size;
}

function writeBytes(buf: Buffer, at: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buf, at, -1);
  at = writeVarint(buf, at, bytes.length);
  bytes.copy(buf, at);
  return at + bytes.length;
}

/** Encodes records into an uncompressed records section. */
export function encodeRecords(records: readonly KafkaRecord[]): Buffer {
  const headerKeys = records.map((record) => record.headers.map((header) => Buffer.from(header.key, 'utf8')));
  const bodySizes = records.map((record, i) => recordBodySize(record, headerKeys[i] ?? []));
  const total = bodySizes.reduce((sum, size) => sum + sizeOfVarint(size) + size, 0);
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  records.forEach((record, i) => {
    const keys = headerKeys[i] ?? [];
    at = writeVarint(buf, at, bodySizes[i] ?? 0);
    buf.writeInt8(record.attributes, at++);
    at = writeVarint(buf, at, record.timestampDelta);
    at = writeVarint(buf, at, record.offsetDelta);
    at = writeBytes(buf, at, record.key);
    at = writeBytes(buf, at, record.value);
    at = writeVarint(buf, at, record.headers.length);
    record.headers.forEach((header, h) => {
      at = writeBytes(buf, at, keys[h] ?? null);
      at = writeBytes(buf, at, header.value);
    });
  });
  return buf;
}
