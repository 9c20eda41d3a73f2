import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../lib/logger.js';
import { decodeRecords, encodeBatch, readBatchHeader, splitBatches } from '../records/index.js';
import { type FlushPolicy, PartitionLog } from './partition-log.js';
import { type TopicConfig, effectiveTopicConfig } from './topic-config.js';

/** Helpers shared by the log tests (not used by the broker itself). */

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestRecord {
  key: string | null;
  value: string | null;
  timestamp?: number;
}

export interface TestBatchOptions {
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  codec?: number;
}

/** A batch as a client would send it (base offset 0). */
export function clientBatch(records: TestRecord[], options: TestBatchOptions = {}): Buffer {
  const timestamps = records.map((r, i) => r.timestamp ?? 1_700_000_000_000 + i);
  const baseTimestamp = timestamps[0] ?? 0;
  return encodeBatch({
    baseOffset: 0,
    attributes: options.codec ?? 0,
    lastOffsetDelta: records.length - 1,
    baseTimestamp,
    maxTimestamp: Math.max(...timestamps),
    producerId: options.producerId ?? -1,
    producerEpoch: options.producerEpoch ?? -1,
    baseSequence: options.baseSequence ?? -1,
    partitionLeaderEpoch: -1,
    records: records.map((r, i) => ({
      offsetDelta: i,
      timestampDelta: (timestamps[i] ?? 0) - baseTimestamp,
      attributes: 0,
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: [],
    })),
  });
}

export function openLog(
  dir: string,
  overrides: Partial<TopicConfig> = {},
  flush: FlushPolicy = { mode: 'never' },
  now: () => number = Date.now,
): PartitionLog {
  const config = effectiveTopicConfig(overrides);
  return PartitionLog.open({
    dir,
    topic: 't',
    partition: 0,
    config: () => config,
    flush,
    logger: silentLogger,
    now,
  });
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

/**
 * Consumes the log from `from` to its end the way a client does: fetch, keep records at or above
 * the fetch offset, continue after the last batch. Fails if a fetch returns nothing or makes no
 * progress, or if any batch is empty.
 */
export function consume(
  log: PartitionLog,
  from: number,
  maxBytes = 64 * 1024,
): { records: ReadRecord[]; fetches: number } {
  const records: ReadRecord[] = [];
  let offset = from;
  let fetches = 0;
  while (offset < log.logEndOffset) {
    const blob = log.read(offset, maxBytes, true);
    fetches++;
    if (blob.length === 0) throw new Error(`empty fetch at offset ${offset} (log end ${log.logEndOffset})`);
    let progressed = false;
    for (const batch of splitBatches(blob)) {
      const header = readBatchHeader(batch);
      if (header.recordsCount === 0) throw new Error(`empty batch at offset ${header.baseOffset}`);
      for (const record of decodeRecords(batch)) {
        const recordOffset = header.baseOffset + record.offsetDelta;
        if (recordOffset < offset) continue;
        progressed = true;
        records.push({
          offset: recordOffset,
          key: record.key?.toString() ?? null,
          value: record.value?.toString() ?? null,
          timestamp: header.baseTimestamp + record.timestampDelta,
        });
      }
      offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1);
    }
    if (!progressed) throw new Error(`fetch at offset ${offset} returned no record at or above it`);
  }
  return { records, fetches };
}
