import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Attribute,
  BatchField,
  Codec,
  InvalidRecordError,
  UnsupportedCompressionError,
  assignBaseOffset,
  batchLastOffset,
  compress,
  decompress,
  encodeRecords,
  crc32c,
  decodeRecords,
  encodeBatch,
  isCodecAvailable,
  lastRecordOffsetDelta,
  readBatchHeader,
  readVarint,
  setLogAppendTime,
  sizeOfVarint,
  splitBatches,
  verifyBatchCrc,
  writeVarint,
  type KafkaRecord,
} from './index.js';

function record(
  offsetDelta: number,
  key: string | null,
  value: string | null,
  headers: KafkaRecord['headers'] = [],
): KafkaRecord {
  return {
    offsetDelta,
    timestampDelta: offsetDelta * 3,
    attributes: 0,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers,
  };
}

function batchOf(records: KafkaRecord[], attributes = 0): Buffer {
  return encodeBatch({
    baseOffset: 0,
    attributes,
    lastOffsetDelta: records.length - 1,
    baseTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_000 + (records.length - 1) * 3,
    producerId: 42,
    producerEpoch: 3,
    baseSequence: 17,
    partitionLeaderEpoch: 0,
    records,
  });
}

describe('crc32c', () => {
  it('matches the Castagnoli check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
  it('matches known vectors (RFC 3720 B.4)', () => {
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
  });
  it('covers only the requested range', () => {
    const buf = Buffer.from('xx123456789yy');
    expect(crc32c(buf, 2, 11)).toBe(0xe3069283);
  });
});

describe('varints', () => {
  it('round-trips zig-zag values up to 2^52 in magnitude', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer(),
          fc.integer({ min: -300, max: 300 }),
          fc.double({ min: -(2 ** 52), max: 2 ** 52, noNaN: true }).map((x) => Math.trunc(x) + 0),
        ),
        (value) => {
          const buf = Buffer.alloc(10);
          const end = writeVarint(buf, 0, value);
          expect(end).toBe(sizeOfVarint(value));
          const cursor = { pos: 0 };
          expect(readVarint(buf, cursor)).toBe(value);
          expect(cursor.pos).toBe(end);
        },
      ),
    );
  });
  it('uses the protobuf zig-zag encoding', () => {
    const buf = Buffer.alloc(4);
    expect(writeVarint(buf, 0, -1)).toBe(1);
    expect(buf[0]).toBe(1);
    expect(writeVarint(buf, 0, 64)).toBe(2);
    expect([...buf.subarray(0, 2)]).toEqual([0x80, 0x01]);
  });
  it('rejects a varint cut short', () => {
    expect(() => readVarint(Buffer.from([0x80, 0x80]), { pos: 0 })).toThrow(RangeError);
  });
});

describe('record batches', () => {
  const records = [
    record(0, 'k1', 'v1', [{ key: 'trace', value: Buffer.from('abc') }]),
    record(1, null, 'no key'),
    record(2, 'k2', null),
    record(3, 'ключ', 'значение', [
      { key: 'h-null', value: null },
      { key: 'h2', value: Buffer.alloc(0) },
    ]),
  ];

  it('encodes a header that reads back', () => {
    const batch = batchOf(records);
    const header = readBatchHeader(batch);
    expect(header).toMatchObject({
      baseOffset: 0,
      batchLength: batch.length - 12,
      magic: 2,
      lastOffsetDelta: 3,
      baseTimestamp: 1_700_000_000_000,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 17,
      recordsCount: 4,
    });
    expect(verifyBatchCrc(batch)).toBe(true);
  });

  it('round-trips keys, null keys, headers and tombstones', () => {
    const decoded = decodeRecords(batchOf(records));
    expect(decoded).toHaveLength(4);
    decoded.forEach((got, i) => {
      const want = records[i] as KafkaRecord;
      expect(got.offsetDelta).toBe(want.offsetDelta);
      expect(got.timestampDelta).toBe(want.timestampDelta);
      expect(got.key?.toString()).toBe(want.key?.toString());
      expect(got.value === null ? null : got.value.toString()).toBe(
        want.value === null ? null : want.value.toString(),
      );
      expect(got.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual(
        want.headers.map((h) => [h.key, h.value?.toString() ?? null]),
      );
    });
  });

  it('round-trips gzip-compressed batches', () => {
    const many = Array.from({ length: 500 }, (_, i) => record(i, `key-${i % 7}`, 'x'.repeat(100)));
    const batch = batchOf(many, Codec.gzip);
    expect(batch.readInt16BE(BatchField.attributes) & Attribute.codecMask).toBe(Codec.gzip);
    expect(batch.length).toBeLessThan(500 * 100);
    const decoded = decodeRecords(batch);
    expect(decoded.map((r) => r.key?.toString())).toEqual(many.map((r) => r.key?.toString()));
    expect(decoded[499]?.value?.toString()).toBe('x'.repeat(100));
  });

  it('reports an unavailable codec with a clear error', () => {
    expect(isCodecAvailable(Codec.gzip)).toBe(true);
    expect(isCodecAvailable(Codec.zstd)).toBe(false);
    const batch = batchOf([record(0, 'k', 'v')]);
    batch.writeInt16BE(Codec.zstd, BatchField.attributes);
    expect(() => decodeRecords(batch)).toThrow(UnsupportedCompressionError);
    expect(() => decodeRecords(batch)).toThrow(/codec 4 \(zstd\) is not available/);
    batch.writeInt16BE(7, BatchField.attributes);
    expect(() => decodeRecords(batch)).toThrow(/codec 7/);
  });

  it.each([
    ['snappy', Codec.snappy],
    ['lz4', Codec.lz4],
  ])('round-trips %s batches', (_name, codec) => {
    expect(isCodecAvailable(codec)).toBe(true);
    const many = Array.from({ length: 2000 }, (_, i) => record(i, `key-${i}`, `value-${i}`.repeat(5)));
    const batch = batchOf(many, codec);
    expect(batch.length).toBeLessThan(encodeRecords(many).length);
    const decoded = decodeRecords(batch);
    expect(decoded).toHaveLength(2000);
    expect(decoded[1999]?.value?.toString()).toBe('value-1999'.repeat(5));
  });

  it('reads raw (unframed) snappy as well as the xerial framing', () => {
    const require = createRequire(import.meta.url);
    const snappy = require('snappy') as { compressSync(b: Buffer): Buffer };
    const payload = encodeRecords([record(0, 'a', 'raw snappy')]);
    expect(decompress(Codec.snappy, snappy.compressSync(payload)).equals(payload)).toBe(true);
    const framed = compress(Codec.snappy, payload);
    expect(framed.subarray(1, 7).toString()).toBe('SNAPPY');
    expect(decompress(Codec.snappy, framed).equals(payload)).toBe(true);
  });

  it('turns corrupt compressed data into InvalidRecordError', () => {
    expect(() => decompress(Codec.gzip, Buffer.from('not gzip at all'))).toThrow(InvalidRecordError);
    expect(() => decompress(Codec.lz4, Buffer.from('not lz4 at all'))).toThrow(InvalidRecordError);
  });

  it('detects a corrupted byte through the CRC', () => {
    const batch = batchOf(records);
    batch[batch.length - 2] ^= 0x01;
    expect(verifyBatchCrc(batch)).toBe(false);
  });

  it('assigns the base offset and leader epoch outside the CRC', () => {
    const batch = batchOf(records);
    assignBaseOffset(batch, 2 ** 40 + 5, 7);
    expect(readBatchHeader(batch).baseOffset).toBe(2 ** 40 + 5);
    expect(readBatchHeader(batch).partitionLeaderEpoch).toBe(7);
    expect(batchLastOffset(batch)).toBe(2 ** 40 + 8);
    expect(verifyBatchCrc(batch)).toBe(true);
  });

  it('sets LogAppendTime with a fresh CRC', () => {
    const batch = batchOf(records);
    setLogAppendTime(batch, 1_800_000_000_000);
    const header = readBatchHeader(batch);
    expect(header.attributes & Attribute.logAppendTime).toBe(Attribute.logAppendTime);
    expect(header.maxTimestamp).toBe(1_800_000_000_000);
    expect(verifyBatchCrc(batch)).toBe(true);
  });

  it('finds the last present record after records were removed', () => {
    const sparse = encodeBatch({
      baseOffset: 100,
      attributes: Codec.gzip,
      lastOffsetDelta: 9,
      baseTimestamp: 0,
      maxTimestamp: 0,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      partitionLeaderEpoch: 0,
      records: [record(2, 'a', 'x'), record(5, 'b', 'y')],
    });
    expect(lastRecordOffsetDelta(sparse)).toBe(5);
    expect(lastRecordOffsetDelta(batchOf(records))).toBe(3);
  });

  it('rejects a record whose length disagrees with its fields', () => {
    const batch = batchOf([record(0, 'k', 'v')]);
    batch[61] = 0x12; // record length 9 where the fields take 8
    expect(() => decodeRecords(batch)).toThrow(InvalidRecordError);
  });
});

describe('splitBatches', () => {
  const a = batchOf([record(0, 'a', '1')]);
  const b = batchOf([record(0, 'b', '2'), record(1, 'c', '3')]);

  it('splits concatenated batches without copying', () => {
    const blob = Buffer.concat([a, b]);
    const parts = splitBatches(blob);
    expect(parts).toHaveLength(2);
    expect(parts[0]?.equals(a)).toBe(true);
    expect(parts[1]?.equals(b)).toBe(true);
    expect(parts[1]?.buffer).toBe(blob.buffer);
    expect(splitBatches(Buffer.alloc(0))).toEqual([]);
  });
  it('rejects a truncated batch', () => {
    expect(() => splitBatches(Buffer.concat([a, b.subarray(0, b.length - 1)]))).toThrow(InvalidRecordError);
    expect(() => splitBatches(a.subarray(0, 30))).toThrow(InvalidRecordError);
  });
  it('rejects a length below the header size', () => {
    const bad = Buffer.from(a);
    bad.writeInt32BE(10, BatchField.batchLength);
    expect(() => splitBatches(bad)).toThrow(/smaller than a batch header/);
  });
  it('rejects magic other than 2', () => {
    const bad = Buffer.from(a);
    bad.writeInt8(1, BatchField.magic);
    expect(() => splitBatches(bad)).toThrow(/magic 1/);
  });
});

describe('interoperability with kafkajs', () => {
  interface KafkajsEncoder {
    buffer: Buffer;
  }
  const require = createRequire(import.meta.url);
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
    RecordBatch: (b: Record<string, unknown>) => Promise<KafkajsEncoder>;
  };
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
    r: Record<string, unknown>,
  ) => unknown;

  it.each([
    ['uncompressed', 0],
    ['gzip', 1],
  ])('decodes a %s batch written by kafkajs', async (_name, compression) => {
    const encoded = await RecordBatch({
      compression,
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_009,
      lastOffsetDelta: 9,
      records: Array.from({ length: 10 }, (_, i) =>
        Record({
          offsetDelta: i,
          timestampDelta: i,
          key: Buffer.from(`k${i}`),
          value: Buffer.from(`v${i}`),
          headers: { h: 'x' },
        }),
      ),
    });
    const batch = splitBatches(encoded.buffer)[0] as Buffer;
    expect(verifyBatchCrc(batch)).toBe(true);
    const decoded = decodeRecords(batch);
    expect(decoded.map((r) => r.value?.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
    expect(decoded[3]?.headers[0]?.key).toBe('h');
  });
});
