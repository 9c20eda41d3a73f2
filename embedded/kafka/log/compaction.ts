import {
  Attribute,
  type KafkaRecord,
  batchCodec,
  decodeRecords,
  encodeBatch,
  isCodecAvailable,
  readBatchHeader,
} from '../records/index.js';
import type { Segment } from './segment.js';

/** Latest offset of every key seen in the dirty part of a log (keys as binary strings). */
export type OffsetMap = Map<string, number>;

function keyOf(key: Buffer): string {
  return key.toString('latin1');
}

/** Records the latest offset of every key in [from, to) of the given segments. */
export function buildOffsetMap(segments: readonly Segment[], from: number, to: number): OffsetMap {
  const map: OffsetMap = new Map();
  for (const segment of segments) {
    if (segment.nextOffset <= from || segment.baseOffset >= to) continue;
    const scanner = segment.scanner(
      segment.offsetIndex.floorPosition(Math.max(0, from - segment.baseOffset)),
    );
    for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
      if (batch.lastOffset < from) continue;
      if (batch.baseOffset >= to) break;
      if (!isCodecAvailable(batchCodec(batch.attributes)) || batch.attributes & Attribute.control) continue;
      let records: KafkaRecord[];
      try {
        records = decodeRecords(scanner.bytes(batch));
      } catch {
        continue; // kept whole by cleanBatch too
      }
      for (const record of records) {
        const offset = batch.baseOffset + record.offsetDelta;
        if (record.key !== null && offset >= from && offset < to) map.set(keyOf(record.key), offset);
      }
    }
    if (scanner.error !== null) throw new Error(`${segment.path}: ${scanner.error}`);
  }
  return map;
}

export type BatchCleaning =
  | { kind: 'keep'; tombstoneHorizon: number | null }
  | { kind: 'drop'; removedRecords: number }
  | { kind: 'rewrite'; batch: Buffer; removedRecords: number; tombstoneHorizon: number | null };

export interface CleaningContext {
  map: OffsetMap;
  now: number;
  deleteRetentionMs: number;
}

/**
 * Decides what compaction does with one batch (KAFKA-PROTOCOL.md §8): a record stays when it is
 * the latest of its key, a tombstone stays until the delete horizon stamped on its batch the
 * first time it was cleaned (KIP-534: baseTimestamp becomes the horizon, attribute bit 6 is set
 * and timestamp deltas are recomputed so record timestamps do not change). Null keys go. A
 * retained batch keeps its base offset, last offset delta, producer fields and the offset
 * deltas of its records; a rewritten one gets the same codec and a fresh CRC.
 */
export function cleanBatch(bytes: Buffer, context: CleaningContext): BatchCleaning {
  const header = readBatchHeader(bytes);
  if (header.attributes & Attribute.control || !isCodecAvailable(batchCodec(header.attributes))) {
    return { kind: 'keep', tombstoneHorizon: null };
  }
  let records: KafkaRecord[];
  try {
    records = decodeRecords(bytes);
  } catch {
    // A batch whose records cannot be read (its CRC held, so the producer wrote it so) is kept whole.
    return { kind: 'keep', tombstoneHorizon: null };
  }
  const existingHorizon = header.attributes & Attribute.hasDeleteHorizon ? header.baseTimestamp : null;
  const retained: KafkaRecord[] = [];
  let tombstones = 0;
  for (const record of records) {
    if (record.key === null) continue;
    const latest = context.map.get(keyOf(record.key));
    if (latest !== undefined && latest > header.baseOffset + record.offsetDelta) continue;
    if (record.value === null) {
      if (existingHorizon !== null && context.now >= existingHorizon) continue;
      tombstones++;
    }
    retained.push(record);
  }
  const removedRecords = records.length - retained.length;
  if (retained.length === 0) return { kind: 'drop', removedRecords };
  const needsHorizon = tombstones > 0 && existingHorizon === null;
  const horizon = tombstones === 0 ? null : (existingHorizon ?? context.now + context.deleteRetentionMs);
  if (removedRecords === 0 && !needsHorizon) return { kind: 'keep', tombstoneHorizon: horizon };

  const logAppendTime = (header.attributes & Attribute.logAppendTime) !== 0;
  const baseTimestamp = needsHorizon ? (horizon as number) : header.baseTimestamp;
  let maxTimestamp = logAppendTime ? header.maxTimestamp : -1;
  const rebased = retained.map((record) => {
    const timestamp = header.baseTimestamp + record.timestampDelta;
    if (!logAppendTime && timestamp > maxTimestamp) maxTimestamp = timestamp;
    return { ...record, timestampDelta: timestamp - baseTimestamp };
  });
  const batch = encodeBatch({
    baseOffset: header.baseOffset,
    attributes: needsHorizon ? header.attributes | Attribute.hasDeleteHorizon : header.attributes,
    lastOffsetDelta: header.lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    records: rebased,
  });
  return { kind: 'rewrite', batch, removedRecords, tombstoneHorizon: horizon };
}
