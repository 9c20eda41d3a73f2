import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Attribute,
  BatchField,
  Codec,
  decodeRecords,
  readBatchHeader,
  splitBatches,
  verifyBatchCrc,
} from '../records/index.js';
import { KafkaErrorCode } from './error-codes.js';
import type { PartitionLog } from './partition-log.js';
import { clientBatch, consume, openLog, tempDir, type TestRecord } from './test-support.js';

let dir: string;
const opened: PartitionLog[] = [];
beforeEach(() => {
  dir = tempDir('partition-log-');
});
afterEach(() => {
  for (const log of opened.splice(0)) log.abandon();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(
  ...args: Parameters<typeof openLog> extends [string, ...infer Rest] ? Rest : never
): PartitionLog {
  const log = openLog(dir, ...args);
  opened.push(log);
  return log;
}

function records(count: number, prefix = 'r', size = 20): TestRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-key-${i}`,
    value: `${prefix}-${i}-`.padEnd(size, 'x'),
  }));
}

const NOW = 1_700_000_100_000;

describe('append and read', () => {
  it('assigns consecutive offsets across segment rolls and reads them back', () => {
    const log = open({ 'segment.bytes': 2048 });
    const bases: number[] = [];
    for (let i = 0; i < 60; i++) {
      const result = log.append(clientBatch(records(5, `b${i}`)), NOW);
      expect(result.errorCode).toBe(0);
      bases.push(result.baseOffset);
    }
    expect(bases).toEqual(Array.from({ length: 60 }, (_, i) => i * 5));
    expect(log.logEndOffset).toBe(300);
    expect(log.segmentCount).toBeGreaterThan(5);
    const { records: all } = consume(log, 0, 1000);
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(all[123]?.value).toMatch(/^b24-3-/);
  });

  it('rolls a segment after segment.ms of wall-clock time', () => {
    const log = openLog(dir, { 'segment.ms': 60_000 }, { mode: 'never' }, () => NOW);
    opened.push(log);
    log.append(clientBatch(records(2)), NOW);
    log.append(clientBatch(records(2)), NOW + 59_999);
    expect(log.segmentCount).toBe(1);
    log.append(clientBatch(records(2)), NOW + 60_000);
    expect(log.segmentBaseOffsets()).toEqual([0, 4]);
  });

  it('answers a fetch from the middle of a batch with that batch', () => {
    const log = open({ 'segment.bytes': 4096 });
    for (let i = 0; i < 40; i++) log.append(clientBatch(records(10, `b${i}`)), NOW);
    for (const offset of [0, 7, 155, 399]) {
      const first = splitBatches(log.read(offset, 1 << 20, true))[0] as Buffer;
      const header = readBatchHeader(first);
      expect(header.baseOffset).toBe(Math.floor(offset / 10) * 10);
      expect(header.baseOffset + header.lastOffsetDelta).toBeGreaterThanOrEqual(offset);
    }
    expect(log.read(400, 1 << 20, true).length).toBe(0);
  });

  it('returns whole batches within maxBytes, and one oversized batch only with minOneBatch', () => {
    const log = open();
    for (let i = 0; i < 10; i++) log.append(clientBatch(records(10, `b${i}`, 100)), NOW);
    const batchSize = splitBatches(log.read(0, 1 << 20, true)).map((b) => b.length)[0] as number;
    const twoAndAHalf = log.read(0, Math.floor(batchSize * 2.5), true);
    expect(splitBatches(twoAndAHalf)).toHaveLength(2);
    expect(splitBatches(log.read(0, 10, true))).toHaveLength(1);
    expect(log.read(0, 10, false).length).toBe(0);
  });

  it('rejects what Kafka rejects, with its error codes', () => {
    const log = open({ 'max.message.bytes': 2000 });
    const good = clientBatch(records(3));
    const badMagic = Buffer.from(good);
    badMagic.writeInt8(1, BatchField.magic);
    expect(log.append(badMagic, NOW).errorCode).toBe(KafkaErrorCode.invalidRecord);
    expect(log.append(Buffer.concat([good, good]), NOW).errorCode).toBe(KafkaErrorCode.invalidRecord);
    expect(log.append(good.subarray(0, 40), NOW).errorCode).toBe(KafkaErrorCode.invalidRecord);
    expect(log.append(clientBatch(records(3, 'big', 1000)), NOW).errorCode).toBe(
      KafkaErrorCode.messageTooLarge,
    );
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1] ^= 0xff;
    expect(log.append(corrupt, NOW).errorCode).toBe(KafkaErrorCode.corruptMessage);
    expect(log.logEndOffset).toBe(0);
    expect(log.append(good, NOW)).toEqual({
      errorCode: 0,
      baseOffset: 0,
      logAppendTime: -1,
      logStartOffset: 0,
    });
  });

  it('refuses records without a key on compacted topics only', () => {
    const compacted = open({ 'cleanup.policy': 'compact' });
    const keyless = clientBatch([
      { key: 'a', value: '1' },
      { key: null, value: '2' },
    ]);
    const result = compacted.append(Buffer.from(keyless), NOW);
    expect(result.errorCode).toBe(KafkaErrorCode.invalidRecord);
    expect(result.errorMessage).toMatch(/without key/);
    expect(
      compacted.append(clientBatch([{ key: null, value: 'x' }], { codec: Codec.gzip }), NOW).errorCode,
    ).toBe(KafkaErrorCode.invalidRecord);
    expect(compacted.append(clientBatch([{ key: 'a', value: null }]), NOW).errorCode).toBe(0);
    compacted.abandon();
    opened.pop();
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(dir);
    expect(open().append(keyless, NOW).errorCode).toBe(0);
  });

  it('keeps every byte but the base offset and leader epoch under CreateTime', () => {
    const log = open();
    log.append(clientBatch(records(2)), NOW);
    const batch = clientBatch(records(4, 'second'), { codec: Codec.gzip });
    const sent = Buffer.from(batch);
    log.append(batch, NOW);
    const stored = splitBatches(log.read(2, 1 << 20, true))[0] as Buffer;
    expect(stored.subarray(BatchField.magic).equals(sent.subarray(BatchField.magic))).toBe(true);
    expect(readBatchHeader(stored).baseOffset).toBe(2);
    expect(readBatchHeader(stored).partitionLeaderEpoch).toBe(0);
  });

  it('stamps LogAppendTime and recomputes the CRC', () => {
    const log = open({ 'message.timestamp.type': 'LogAppendTime' });
    const result = log.append(clientBatch(records(3)), NOW);
    expect(result.logAppendTime).toBe(NOW);
    const stored = splitBatches(log.read(0, 1 << 20, true))[0] as Buffer;
    const header = readBatchHeader(stored);
    expect(header.attributes & Attribute.logAppendTime).toBe(Attribute.logAppendTime);
    expect(header.maxTimestamp).toBe(NOW);
    expect(verifyBatchCrc(stored)).toBe(true);
  });
});

describe('idempotent producers', () => {
  const idempotent = (baseSequence: number, count = 5, producerEpoch = 0) =>
    clientBatch(records(count, `s${baseSequence}`), { producerId: 1000, producerEpoch, baseSequence });

  it('de-duplicates retries, rejects gaps and fenced epochs', () => {
    const log = open();
    expect(log.append(idempotent(0), NOW).baseOffset).toBe(0);
    expect(log.append(idempotent(5), NOW).baseOffset).toBe(5);
    expect(log.append(idempotent(0), NOW)).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(log.logEndOffset).toBe(10);
    expect(log.append(idempotent(20), NOW).errorCode).toBe(KafkaErrorCode.outOfOrderSequenceNumber);
    expect(log.append(idempotent(0, 5, 1), NOW).baseOffset).toBe(10);
    expect(log.append(idempotent(5, 5, 0), NOW).errorCode).toBe(KafkaErrorCode.invalidProducerEpoch);
    const negative = clientBatch(records(1), { producerId: 1000, producerEpoch: 1, baseSequence: -1 });
    expect(log.append(negative, NOW).errorCode).toBe(KafkaErrorCode.invalidRecord);
  });

  it('remembers producers across a clean restart', () => {
    const log = open();
    log.append(idempotent(0), NOW);
    log.append(idempotent(5), NOW);
    log.close();
    const reopened = open();
    expect(reopened.append(idempotent(5), NOW)).toMatchObject({ errorCode: 0, baseOffset: 5 });
    expect(reopened.append(idempotent(10), NOW).baseOffset).toBe(10);
  });

  it('rebuilds producer state from the log after a crash', () => {
    const log = open();
    log.append(idempotent(0), NOW);
    log.checkpoint();
    log.append(idempotent(5), NOW);
    log.flush();
    // No close: the process "died" after the second append.
    const reopened = open();
    expect(reopened.append(idempotent(5), NOW)).toMatchObject({ errorCode: 0, baseOffset: 5 });
    expect(reopened.append(idempotent(11), NOW).errorCode).toBe(KafkaErrorCode.outOfOrderSequenceNumber);
  });
});

describe('recovery', () => {
  function segmentFiles(suffix: string): string[] {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .sort()
      .map((f) => path.join(dir, f));
  }

  it('truncates a torn tail and keeps everything acknowledged before it, with the same offsets', () => {
    const log = open({ 'segment.bytes': 4096 }, { mode: 'always' });
    for (let i = 0; i < 30; i++) log.append(clientBatch(records(4, `b${i}`)), NOW);
    const before = consume(log, 0).records;
    const lastLog = segmentFiles('.log').at(-1) as string;
    const size = fs.statSync(lastLog).size;
    const lastBatchSize = (splitBatches(log.read(116, 1 << 20, true))[0] as Buffer).length;
    // A crash in the middle of writing the last batch.
    fs.truncateSync(lastLog, size - Math.floor(lastBatchSize / 2));
    const reopened = open({ 'segment.bytes': 4096 });
    expect(reopened.logEndOffset).toBe(116);
    expect(consume(reopened, 0).records).toEqual(before.slice(0, 116));
    expect(reopened.append(clientBatch(records(4, 'after')), NOW).baseOffset).toBe(116);
  });

  it('truncates at a batch whose CRC fails after an unclean shutdown', () => {
    const log = open({}, { mode: 'always' });
    for (let i = 0; i < 5; i++) log.append(clientBatch(records(4, `b${i}`)), NOW);
    const file = segmentFiles('.log')[0] as string;
    const bytes = fs.readFileSync(file);
    const third = (splitBatches(bytes)[0] as Buffer).length * 2;
    bytes[third + 70] = (bytes[third + 70] as number) ^ 0xff;
    fs.writeFileSync(file, bytes);
    const reopened = open();
    expect(reopened.logEndOffset).toBe(8);
  });

  it('after a crash, checks the segments above the recovery point and cuts at a corrupt batch', () => {
    const log = open({ 'segment.bytes': 1024 }, { mode: 'interval', ms: 1000 });
    for (let i = 0; i < 20; i++) log.append(clientBatch(records(4, `b${i}`)), NOW);
    log.checkpoint();
    const recoveryPoint = log.logEndOffset;
    expect(fs.readFileSync(path.join(dir, 'recovery-point'), 'utf8')).toBe(String(recoveryPoint));
    for (let i = 20; i < 40; i++) log.append(clientBatch(records(4, `b${i}`)), NOW);
    log.flush();
    const bases = log.segmentBaseOffsets();
    const damaged = bases.find((b) => b >= recoveryPoint) as number;
    const file = path.join(dir, `${String(damaged).padStart(20, '0')}.log`);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
    fs.writeFileSync(file, bytes);
    // No close: the broker died. The damaged segment loses its last batch, later ones go.
    const reopened = open({ 'segment.bytes': 1024 });
    expect(reopened.segmentBaseOffsets().at(-1)).toBe(damaged);
    expect(reopened.logEndOffset).toBeGreaterThanOrEqual(recoveryPoint);
    expect(reopened.logEndOffset).toBeLessThan(log.logEndOffset);
    expect(consume(reopened, 0).records).toHaveLength(reopened.logEndOffset);
  });

  it('rebuilds missing and torn indexes', () => {
    const log = open({ 'segment.bytes': 16 * 1024 });
    for (let i = 0; i < 200; i++) log.append(clientBatch(records(5, `b${i}`, 50)), NOW);
    const expected = consume(log, 0).records;
    log.close();
    const indexes = segmentFiles('.index');
    expect(indexes.length).toBeGreaterThan(3);
    const firstSize = fs.statSync(indexes[0] as string).size;
    expect(firstSize).toBeGreaterThan(0);
    fs.rmSync(indexes[0] as string);
    fs.truncateSync(indexes[1] as string, 5);
    fs.rmSync((segmentFiles('.timeindex')[2] as string) ?? '');
    const reopened = open({ 'segment.bytes': 16 * 1024 });
    expect(fs.statSync(indexes[0] as string).size).toBe(firstSize);
    expect(fs.statSync(indexes[1] as string).size % 8).toBe(0);
    expect(fs.statSync(indexes[1] as string).size).toBeGreaterThan(5);
    expect(consume(reopened, 0).records).toEqual(expected);
    expect(consume(reopened, 777).records[0]?.offset).toBe(777);
  });

  it('reopens a cleanly closed log with its end offset and data', () => {
    const log = open({ 'segment.bytes': 2048 });
    for (let i = 0; i < 20; i++) log.append(clientBatch(records(3, `b${i}`)), NOW);
    log.close();
    const reopened = open({ 'segment.bytes': 2048 });
    expect(reopened.logEndOffset).toBe(60);
    expect(consume(reopened, 0).records).toHaveLength(60);
  });
});

describe('retention and DeleteRecords', () => {
  const DAY = 86_400_000;

  function fill(log: PartitionLog, batches: number, timestamp: (i: number) => number): void {
    for (let i = 0; i < batches; i++) {
      const rs = records(5, `b${i}`).map((r) => ({ ...r, timestamp: timestamp(i) }));
      expect(log.append(clientBatch(rs), NOW).errorCode).toBe(0);
    }
  }

  it('deletes whole segments older than retention.ms and persists the log start offset', () => {
    const log = open({ 'segment.bytes': 1024, 'retention.ms': DAY });
    fill(log, 40, (i) => (i < 20 ? NOW - 3 * DAY : NOW));
    const segmentsBefore = log.segmentCount;
    const deleted = log.enforceRetention(NOW);
    expect(deleted).toBeGreaterThan(0);
    expect(log.segmentCount).toBe(segmentsBefore - deleted);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeLessThanOrEqual(100);
    const start = log.logStartOffset;
    expect(log.segmentBaseOffsets()[0]).toBe(start);
    const { records: rest } = consume(log, start);
    expect(rest.every((r) => r.offset >= start)).toBe(true);
    expect(rest.at(-1)?.offset).toBe(199);
    log.close();
    expect(open({ 'segment.bytes': 1024, 'retention.ms': DAY }).logStartOffset).toBe(start);
  });

  it('rolls and deletes an expired active segment', () => {
    const log = open({ 'retention.ms': DAY });
    fill(log, 3, () => NOW - 2 * DAY);
    expect(log.enforceRetention(NOW)).toBe(1);
    expect(log.logStartOffset).toBe(15);
    expect(log.logEndOffset).toBe(15);
    expect(log.append(clientBatch(records(1)), NOW).baseOffset).toBe(15);
  });

  it('keeps the log under retention.bytes in whole segments', () => {
    const log = open({ 'segment.bytes': 1024, 'retention.bytes': 3000 });
    fill(log, 60, () => NOW);
    log.enforceRetention(NOW);
    expect(log.size).toBeLessThanOrEqual(3000 + 1024);
    expect(log.size).toBeGreaterThan(3000 - 1024);
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets()[0]);
  });

  it('leaves compact-only topics alone', () => {
    const log = open({ 'segment.bytes': 1024, 'retention.bytes': 10, 'cleanup.policy': 'compact' });
    fill(log, 20, () => NOW - 30 * DAY);
    expect(log.enforceRetention(NOW)).toBe(0);
    expect(log.logStartOffset).toBe(0);
  });

  it('moves the log start offset on DeleteRecords', () => {
    const log = open({ 'segment.bytes': 1024 });
    fill(log, 30, () => NOW);
    expect(log.deleteRecordsBefore(77)).toBe(77);
    expect(log.logStartOffset).toBe(77);
    expect(log.read(76, 1 << 20, true).length).toBe(0);
    expect(consume(log, 77).records[0]?.offset).toBe(77);
    expect(log.segmentBaseOffsets()[0]).toBeLessThanOrEqual(77);
    expect(log.deleteRecordsBefore(10)).toBe(77);
    expect(() => log.deleteRecordsBefore(1000)).toThrow(/outside/);
    expect(log.deleteRecordsBefore(150)).toBe(150);
    expect(log.logEndOffset).toBe(150);
    expect(log.append(clientBatch(records(1)), NOW).baseOffset).toBe(150);
  });
});

describe('offsetForTimestamp', () => {
  it('finds the first record at or after a timestamp', () => {
    const log = open({ 'segment.bytes': 2048 });
    for (let i = 0; i < 50; i++) {
      const rs = records(4, `b${i}`).map((r, j) => ({ ...r, timestamp: 1_000_000 + (i * 4 + j) * 10 }));
      log.append(clientBatch(rs, { codec: i % 2 === 0 ? Codec.gzip : Codec.none }), NOW);
    }
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1_000_000 });
    expect(log.offsetForTimestamp(1_000_000 + 1234)).toEqual({ offset: 124, timestamp: 1_000_000 + 1240 });
    expect(log.offsetForTimestamp(1_000_000 + 1990)).toEqual({ offset: 199, timestamp: 1_000_000 + 1990 });
    expect(log.offsetForTimestamp(1_000_000 + 1991)).toBeNull();
    // The same answers from indexes loaded from disk after a restart.
    log.close();
    const reopened = open({ 'segment.bytes': 2048 });
    expect(reopened.segmentCount).toBeGreaterThan(3);
    expect(reopened.offsetForTimestamp(1_000_000 + 1234)).toEqual({
      offset: 124,
      timestamp: 1_000_000 + 1240,
    });
    expect(reopened.offsetForTimestamp(1_000_000 + 5)).toEqual({ offset: 1, timestamp: 1_000_000 + 10 });
    expect(reopened.offsetForTimestamp(1_000_000 + 1991)).toBeNull();
  });

  it('answers by offset order when timestamps go backwards', () => {
    const log = open({ 'segment.bytes': 200 });
    for (const timestamp of [100, 300, 200, 250, 50])
      log.append(clientBatch([{ key: 'k', value: 'v', timestamp }]), NOW);
    expect(log.offsetForTimestamp(150)).toEqual({ offset: 1, timestamp: 300 });
    expect(log.offsetForTimestamp(260)).toEqual({ offset: 1, timestamp: 300 });
    expect(log.offsetForTimestamp(50)).toEqual({ offset: 0, timestamp: 100 });
    expect(log.offsetForTimestamp(301)).toBeNull();
  });

  it('uses the batch timestamp under LogAppendTime', () => {
    const log = open({ 'message.timestamp.type': 'LogAppendTime' });
    log.append(clientBatch(records(3)), 5000);
    log.append(clientBatch(records(3)), 6000);
    expect(log.offsetForTimestamp(5500)).toEqual({ offset: 3, timestamp: 6000 });
  });
});

describe('decodeRecords on stored data', () => {
  it('reads back the values that were appended', () => {
    const log = open();
    log.append(
      clientBatch([
        { key: 'a', value: '1' },
        { key: null, value: null },
      ]),
      NOW,
    );
    const stored = decodeRecords(log.read(0, 1000, true));
    expect(stored.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      ['a', '1'],
      [null, null],
    ]);
  });
});
