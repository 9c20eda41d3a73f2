import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Attribute,
  BatchField,
  Codec,
  readBatchHeader,
  setBatchCrc,
  splitBatches,
  verifyBatchCrc,
} from '../records/index.js';
import type { PartitionLog } from './partition-log.js';
import { clientBatch, consume, openLog, tempDir, type TestRecord } from './test-support.js';
import type { TopicConfig } from './topic-config.js';

const NOW = 1_700_000_000_000;
const DELETE_RETENTION_MS = 3_600_000;
const KEYS = 1000;
const ROUNDS = 100;

let dir: string;
const opened: PartitionLog[] = [];
beforeEach(() => {
  dir = tempDir('compaction-');
});
afterEach(() => {
  for (const log of opened.splice(0)) log.abandon();
  fs.rmSync(dir, { recursive: true, force: true });
});

const compacted: Partial<TopicConfig> = {
  'cleanup.policy': 'compact',
  'segment.bytes': 64 * 1024,
  'delete.retention.ms': DELETE_RETENTION_MS,
  'min.cleanable.dirty.ratio': 0.5,
};

function open(overrides: Partial<TopicConfig> = compacted): PartitionLog {
  const log = openLog(dir, overrides, { mode: 'never' }, () => NOW);
  opened.push(log);
  return log;
}

/** Key k gets ROUNDS values; in the last round every tenth key is deleted (tombstone). */
function writeHistory(log: PartitionLog, codec: number = Codec.none): Map<string, string | null> {
  const latest = new Map<string, string | null>();
  const perBatch = 100;
  let batch: TestRecord[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < KEYS; k++) {
      const key = `key-${k}`;
      const value = round === ROUNDS - 1 && k % 10 === 0 ? null : `value-${round}-${k}`;
      batch.push({ key, value, timestamp: NOW - 10_000 + round });
      latest.set(key, value);
      if (batch.length === perBatch) {
        expect(log.append(clientBatch(batch, { codec }), NOW).errorCode).toBe(0);
        batch = [];
      }
    }
  }
  // Roll so that every record written above lies outside the (never cleaned) active segment.
  log.append(clientBatch([{ key: 'sentinel', value: 'last', timestamp: NOW }]), NOW + 8 * 86_400_000);
  latest.set('sentinel', 'last');
  return latest;
}

function latestByKey(log: PartitionLog, from = 0): Map<string, string | null> {
  const seen = new Map<string, string | null>();
  for (const record of consume(log, from).records) seen.set(record.key as string, record.value);
  return seen;
}

describe('compaction', () => {
  it('keeps exactly the latest value per key, then drops tombstones after delete.retention.ms', () => {
    const log = open();
    const latest = writeHistory(log);
    const endBefore = log.logEndOffset;
    const segmentsBefore = log.segmentCount;
    expect(segmentsBefore).toBeGreaterThan(20);

    const first = log.compact(NOW);
    expect(first).not.toBeNull();
    expect(first?.recordsRemoved).toBe(ROUNDS * KEYS - KEYS);
    expect(log.logEndOffset).toBe(endBefore);
    expect(log.logStartOffset).toBe(0);
    expect(log.segmentCount).toBeLessThan(segmentsBefore);

    const afterFirst = consume(log, 0).records;
    expect(afterFirst).toHaveLength(KEYS + 1);
    expect(new Set(afterFirst.map((r) => r.key)).size).toBe(KEYS + 1);
    expect(new Map(afterFirst.map((r) => [r.key as string, r.value]))).toEqual(latest);
    // Offsets never change: each survivor sits at the offset it was written at.
    for (const record of afterFirst.filter((r) => r.key !== 'sentinel')) {
      const k = Number((record.key as string).slice(4));
      expect(record.offset).toBe((ROUNDS - 1) * KEYS + k);
      expect(record.timestamp).toBe(NOW - 10_000 + ROUNDS - 1);
    }
    expect(afterFirst.filter((r) => r.value === null)).toHaveLength(KEYS / 10);

    // Nothing new is dirty and no tombstone is due: no pass.
    expect(log.compact(NOW + 1000)).toBeNull();

    const second = log.compact(NOW + DELETE_RETENTION_MS + 1);
    expect(second?.recordsRemoved).toBe(KEYS / 10);
    const afterSecond = latestByKey(log);
    expect(afterSecond.size).toBe(KEYS - KEYS / 10 + 1);
    for (const [key, value] of latest) {
      if (value === null) expect(afterSecond.has(key)).toBe(false);
      else expect(afterSecond.get(key)).toBe(value);
    }
  });

  it('serves only non-empty batches with a record at or above the fetch offset, from 0 and from inside gaps', () => {
    const log = open();
    writeHistory(log);
    log.compact(NOW);
    for (const from of [0, 1, 5, 50_000, 98_999, 99_000, 99_500]) {
      const blob = log.read(from, 4096, true);
      const batches = splitBatches(blob);
      expect(batches.length).toBeGreaterThan(0);
      const header = readBatchHeader(batches[0] as Buffer);
      expect(header.recordsCount).toBeGreaterThan(0);
      expect(verifyBatchCrc(batches[0] as Buffer)).toBe(true);
      const { records } = consume(log, from);
      expect(records[0]?.offset).toBeGreaterThanOrEqual(from);
      expect(records.at(-1)?.offset).toBe(log.logEndOffset - 1);
    }
  });

  it('keeps base offsets, last offset deltas and producer fields of retained batches', () => {
    const log = open();
    for (let i = 0; i < 20; i++) {
      const rs = Array.from({ length: 10 }, (_, j) => ({ key: `k${j % 3}`, value: `v${i}-${j}` }));
      log.append(clientBatch(rs, { producerId: 9, producerEpoch: 0, baseSequence: i * 10 }), NOW);
    }
    log.append(clientBatch([{ key: 'x', value: 'y' }]), NOW + 8 * 86_400_000);
    log.compact(NOW);
    const batches = splitBatches(log.read(0, 1 << 20, true));
    const header = readBatchHeader(batches[0] as Buffer);
    expect(header.baseOffset).toBe(190);
    expect(header.lastOffsetDelta).toBe(9);
    expect(header.recordsCount).toBe(3);
    expect(header.producerId).toBe(9);
    expect(header.baseSequence).toBe(190);
    // The producer is still known: a retry of its last batch is answered, not appended twice.
    const retry = clientBatch(
      Array.from({ length: 10 }, (_, j) => ({ key: `k${j % 3}`, value: `v19-${j}` })),
      { producerId: 9, producerEpoch: 0, baseSequence: 190 },
    );
    expect(log.append(retry, NOW)).toMatchObject({ errorCode: 0, baseOffset: 190 });
  });

  it.each([
    ['gzip', Codec.gzip],
    ['snappy', Codec.snappy],
    ['lz4', Codec.lz4],
  ])('rewrites %s batches with the same codec', (_name, codec) => {
    const log = open();
    const latest = writeHistory(log, codec);
    log.compact(NOW);
    const first = splitBatches(log.read(0, 1 << 20, true))[0] as Buffer;
    expect(readBatchHeader(first).attributes & Attribute.codecMask).toBe(codec);
    expect(latestByKey(log)).toEqual(latest);
  });

  it('keeps a batch whole when its codec is unavailable', () => {
    const log = open();
    const zstd = clientBatch([
      { key: 'z', value: 'old' },
      { key: 'z', value: 'older?' },
    ]);
    // Claim zstd (not bundled) for an uncompressed payload; the CRC is made to match.
    zstd.writeInt16BE(Codec.zstd, BatchField.attributes);
    setBatchCrc(zstd);
    expect(log.append(zstd, NOW).errorCode).toBe(0);
    for (let i = 0; i < 5; i++) log.append(clientBatch([{ key: 'a', value: `a${i}` }]), NOW);
    log.append(clientBatch([{ key: 'end', value: 'end' }]), NOW + 8 * 86_400_000);
    const result = log.compact(NOW);
    expect(result?.recordsRemoved).toBe(4);
    const stored = splitBatches(log.read(0, 1 << 20, true));
    expect(stored[0]?.equals(zstd)).toBe(true);
    expect(readBatchHeader(stored[1] as Buffer).baseOffset).toBe(6);
  });

  it('leaves logs below min.cleanable.dirty.ratio alone and honours min.compaction.lag.ms', () => {
    const lagged = open({ ...compacted, 'min.compaction.lag.ms': 60_000 });
    writeHistory(lagged);
    // Every record is younger than the lag at NOW: nothing may be cleaned.
    expect(lagged.compact(NOW)).toBeNull();
    expect(lagged.compact(NOW + 120_000)).not.toBeNull();
    lagged.abandon();
    opened.pop();
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(dir);
    const strict = open({ ...compacted, 'min.cleanable.dirty.ratio': 1 });
    writeHistory(strict);
    expect(strict.compact(NOW)).not.toBeNull();
    strict.append(clientBatch([{ key: 'key-1', value: 'new' }]), NOW);
    strict.append(clientBatch([{ key: 'z', value: 'z' }]), NOW + 16 * 86_400_000);
    // The clean part now dwarfs the dirty part.
    expect(strict.compact(NOW)).toBeNull();
  });

  it('survives a restart: compacted data, tombstone horizon and cleaner checkpoint persist', () => {
    const log = open();
    const latest = writeHistory(log);
    log.compact(NOW);
    log.close();
    const reopened = open();
    expect(latestByKey(reopened)).toEqual(latest);
    expect(reopened.compact(NOW + 1000)).toBeNull();
    expect(reopened.compact(NOW + DELETE_RETENTION_MS + 1)?.recordsRemoved).toBe(KEYS / 10);
  });

  it('rolls back an uncommitted swap and rolls forward a committed one', () => {
    const log = open();
    const latest = writeHistory(log);
    log.close();
    const pristine = tempDir('compaction-pristine-');
    fs.cpSync(dir, pristine, { recursive: true });
    const basesBefore = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .sort();

    const cleaner = open();
    cleaner.compact(NOW);
    const groupBase = cleaner.segmentBaseOffsets()[0] as number;
    cleaner.close();
    const cleanedFile = fs.readFileSync(path.join(dir, `${String(groupBase).padStart(20, '0')}.log`));
    const replaced = basesBefore
      .map((f) => Number(f.slice(0, 20)))
      .filter((b) => b < (cleaner.segmentBaseOffsets()[1] ?? Infinity));

    // A crash before the commit point: `.cleaned` plus manifest. The old segments must win.
    fs.rmSync(dir, { recursive: true });
    fs.cpSync(pristine, dir, { recursive: true });
    const name = String(groupBase).padStart(20, '0');
    fs.writeFileSync(path.join(dir, `${name}.log.cleaned`), cleanedFile.subarray(0, 1000));
    fs.writeFileSync(path.join(dir, `${name}.swap.json`), JSON.stringify({ replaces: replaced }));
    const rolledBack = open();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.cleaned') || f.endsWith('.swap.json'))).toEqual([]);
    expect(consume(rolledBack, 0).records).toHaveLength(ROUNDS * KEYS + 1);
    rolledBack.close();
    opened.pop();

    // A crash after the commit point: `.swap` plus manifest. The cleaned segment must win.
    fs.rmSync(dir, { recursive: true });
    fs.cpSync(pristine, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.log.swap`), cleanedFile);
    fs.writeFileSync(path.join(dir, `${name}.swap.json`), JSON.stringify({ replaces: replaced }));
    fs.rmSync(path.join(dir, '.clean-shutdown'), { force: true });
    // The cleaner checkpoints the log start offset before it swaps anything.
    fs.writeFileSync(path.join(dir, 'log-start-offset'), '0');
    const rolledForward = open();
    expect(rolledForward.logStartOffset).toBe(0);
    expect(rolledForward.segmentBaseOffsets()[0]).toBe(groupBase);
    const records = consume(rolledForward, 0).records;
    expect(new Map(records.map((r) => [r.key as string, r.value]))).toEqual(latest);
    expect(records.length).toBeLessThan(2 * KEYS);
    fs.rmSync(pristine, { recursive: true, force: true });
  });

  it('lets appends and reads run between the steps of a background pass', async () => {
    const log = open();
    const latest = writeHistory(log);
    const pass = log.compactInBackground(NOW);
    // The pass has planned and yielded; the log keeps serving in the meantime.
    expect(log.append(clientBatch([{ key: 'during', value: 'pass' }]), NOW).errorCode).toBe(0);
    expect(consume(log, log.logEndOffset - 1).records[0]?.key).toBe('during');
    const result = await pass;
    expect(result?.recordsRemoved).toBe(ROUNDS * KEYS - KEYS);
    latest.set('during', 'pass');
    expect(latestByKey(log)).toEqual(latest);
  });

  it('stops a background pass whose segments were deleted under it, losing nothing', async () => {
    const log = open({ ...compacted, 'cleanup.policy': 'compact,delete' });
    writeHistory(log);
    const pass = log.compactInBackground(NOW);
    log.deleteRecordsBefore(50_000);
    expect(await pass).toBeNull();
    const records = consume(log, log.logStartOffset).records;
    expect(records[0]?.offset).toBe(50_000);
    expect(records.at(-1)?.offset).toBe(log.logEndOffset - 1);
    expect(log.compact(NOW)).not.toBeNull();
  });
});
