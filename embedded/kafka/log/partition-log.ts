import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../../../lib/logger.js';
import { ProducerStateManager } from '../producer-state/index.js';
import {
  Attribute,
  BATCH_HEADER_SIZE,
  BatchField,
  LOG_OVERHEAD,
  MAGIC_V2,
  assignBaseOffset,
  batchCodec,
  decodeRecords,
  hasRecordWithoutKey,
  lastRecordOffsetDelta,
  readInt64,
  setLogAppendTime,
  UnsupportedCompressionError,
  verifyBatchCrc,
} from '../records/index.js';
import type { ScannedBatch } from './batch-scanner.js';
import { type CleaningContext, buildOffsetMap, cleanBatch } from './compaction.js';
import { KafkaErrorCode, LogError } from './error-codes.js';
import { Segment, deleteSegmentFiles, fsyncDirectory, writeFileAtomically } from './segment.js';
import { CLEANED_SUFFIX, commitCleanedSegment, completeInterruptedSwaps } from './segment-swap.js';
import { type TopicConfig, hasCleanupPolicy } from './topic-config.js';

export type FlushPolicy = { mode: 'always' } | { mode: 'interval'; ms: number } | { mode: 'never' };

export interface AppendResult {
  errorCode: number;
  baseOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTime: number;
  logStartOffset: number;
  /** Why the batch was refused (for logs and for error_message fields); absent on success. */
  errorMessage?: string;
}

export interface PartitionLogOptions {
  dir: string;
  topic: string;
  partition: number;
  /** Read on every use, so that config changes apply at once. */
  config: () => TopicConfig;
  flush: FlushPolicy;
  logger: Logger;
  now: () => number;
  producerExpirationMs?: number;
  leaderEpoch?: number;
  onAppend?: () => void;
}

export interface CompactionResult {
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
  cleanedUpTo: number;
}

interface CleanerCheckpoint {
  offset: number;
  tombstoneHorizon: number | null;
}

const EMPTY = Buffer.alloc(0);
const CLEAN_SHUTDOWN_FILE = '.clean-shutdown';
const LOG_START_FILE = 'log-start-offset';
const RECOVERY_POINT_FILE = 'recovery-point';
const CLEANER_CHECKPOINT_FILE = 'cleaner-checkpoint.json';
const INT32_MAX = 2147483647;
export const DEFAULT_PRODUCER_EXPIRATION_MS = 86400000;

/**
 * One partition on disk: segments, appends with Kafka's validation and idempotence, whole-batch
 * reads, timestamp lookups, retention, DeleteRecords and compaction. Every operation is
 * synchronous, so a read never sees a half-applied append, roll, deletion or segment swap.
 */
export class PartitionLog {
  private segments: Segment[];
  private readonly unflushed = new Set<Segment>();
  private startOffset: number;
  private cleanerCheckpoint: CleanerCheckpoint;
  private closed = false;
  readonly producerState: ProducerStateManager;
  private readonly logger: Logger;

  private constructor(
    private readonly options: PartitionLogOptions,
    segments: Segment[],
    startOffset: number,
  ) {
    this.segments = segments;
    this.startOffset = startOffset;
    this.logger = options.logger;
    this.producerState = new ProducerStateManager({
      dir: options.dir,
      expirationMs: options.producerExpirationMs ?? DEFAULT_PRODUCER_EXPIRATION_MS,
      logger: options.logger,
    });
    this.cleanerCheckpoint = readJson<CleanerCheckpoint>(path.join(options.dir, CLEANER_CHECKPOINT_FILE)) ?? {
      offset: 0,
      tombstoneHorizon: null,
    };
  }

  /**
   * Opens (creating if needed) the partition in `dir`. Recovery: after a clean shutdown only the
   * last segment is checked batch by batch; after an unclean one, every segment not wholly below
   * the recovery point (the log end offset at the last checkpointed fsync) is. A torn or corrupt
   * tail is truncated (and any later segment dropped); missing or bad indexes are rebuilt.
   */
  static open(options: PartitionLogOptions): PartitionLog {
    const { dir, logger } = options;
    fs.mkdirSync(dir, { recursive: true });
    const marker = path.join(dir, CLEAN_SHUTDOWN_FILE);
    const cleanShutdown = fs.existsSync(marker);
    fs.rmSync(marker, { force: true });
    completeInterruptedSwaps(dir, logger);

    const now = options.now();
    const recoveryPoint = readNumber(path.join(dir, RECOVERY_POINT_FILE));
    const bases = fs
      .readdirSync(dir)
      .filter((name) => /^\d{20}\.log$/.test(name))
      .map((name) => Number(name.slice(0, 20)))
      .sort((a, b) => a - b);
    const segments: Segment[] = [];
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i] as number;
      // Segments wholly below the last checkpointed fsync need no batch-by-batch check.
      const nextBase = bases[i + 1];
      const flushed = nextBase !== undefined && recoveryPoint !== null && nextBase <= recoveryPoint;
      const recover = nextBase === undefined || (!cleanShutdown && !flushed);
      const { segment, recovery } = Segment.open(dir, base, { recover, logger, now });
      segments.push(segment);
      if (recovery.truncatedBytes > 0 && i < bases.length - 1) {
        // Nothing after a corrupt batch can be trusted to follow on from it.
        for (const later of bases.slice(i + 1)) {
          logger.warn({ dir, base: later }, 'dropping a segment that follows a corrupt one');
          deleteSegmentFiles(dir, later);
        }
        break;
      }
    }
    const checkpointedStart = readNumber(path.join(dir, LOG_START_FILE));
    if (segments.length === 0) segments.push(Segment.create(dir, checkpointedStart ?? 0, now));
    const first = segments[0] as Segment;
    const last = segments[segments.length - 1] as Segment;
    // Compaction may leave the first segment starting above the log start: the checkpoint rules.
    const startOffset = Math.min(checkpointedStart ?? first.baseOffset, last.nextOffset);
    const log = new PartitionLog(options, segments, startOffset);
    log.rebuildProducerState(now);
    if (!cleanShutdown && bases.length > 0)
      logger.info(
        { dir, logEndOffset: log.logEndOffset },
        'recovered partition log after an unclean shutdown',
      );
    return log;
  }

  get topic(): string {
    return this.options.topic;
  }

  get partition(): number {
    return this.options.partition;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  /** The high watermark too: on one node every appended record is committed. */
  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  /** Bytes on disk across segments. */
  get size(): number {
    return this.segments.reduce((sum, segment) => sum + segment.size, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first (for tests and admin introspection). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((segment) => segment.baseOffset);
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  /**
   * Appends one batch (the partition's whole `recs` blob) per KAFKA-PROTOCOL.md §3 "On append"
   * and §6. The buffer is modified in place (base offset, leader epoch, LogAppendTime) and written
   * as is: it is never re-compressed. Returns a Kafka error code instead of throwing.
   */
  append(batch: Buffer, now: number): AppendResult {
    if (this.closed) return this.refuse(KafkaErrorCode.unknownTopicOrPartition, 'partition log is closed');
    if (batch.length < BATCH_HEADER_SIZE)
      return this.refuse(KafkaErrorCode.invalidRecord, `record set of ${batch.length} bytes is too small`);
    if (batch.readInt8(BatchField.magic) !== MAGIC_V2) {
      return this.refuse(
        KafkaErrorCode.invalidRecord,
        `record batch magic ${batch.readInt8(BatchField.magic)} is not 2`,
      );
    }
    if (batch.readInt32BE(BatchField.batchLength) + LOG_OVERHEAD !== batch.length) {
      return this.refuse(KafkaErrorCode.invalidRecord, 'the record set must be exactly one record batch');
    }
    const config = this.options.config();
    if (batch.length > config['max.message.bytes']) {
      return this.refuse(
        KafkaErrorCode.messageTooLarge,
        `batch of ${batch.length} bytes exceeds max.message.bytes ${config['max.message.bytes']}`,
      );
    }
    if (!verifyBatchCrc(batch))
      return this.refuse(KafkaErrorCode.corruptMessage, 'record batch CRC mismatch');
    const attributes = batch.readInt16BE(BatchField.attributes);
    const lastOffsetDelta = batch.readInt32BE(BatchField.lastOffsetDelta);
    const recordsCount = batch.readInt32BE(BatchField.recordsCount);
    if (recordsCount <= 0 || lastOffsetDelta + 1 !== recordsCount) {
      return this.refuse(
        KafkaErrorCode.invalidRecord,
        `inconsistent batch: ${recordsCount} records, last offset delta ${lastOffsetDelta}`,
      );
    }
    if (batchCodec(attributes) > 4)
      return this.refuse(KafkaErrorCode.invalidRecord, `unknown compression codec ${batchCodec(attributes)}`);
    if (hasCleanupPolicy(config, 'compact') && !(attributes & Attribute.control)) {
      const problem = keylessRecordProblem(batch);
      if (problem !== null) return this.refuse(KafkaErrorCode.invalidRecord, problem);
    }

    const producer = {
      producerId: readInt64(batch, BatchField.producerId),
      producerEpoch: batch.readInt16BE(BatchField.producerEpoch),
      baseSequence: batch.readInt32BE(BatchField.baseSequence),
      lastOffsetDelta,
    };
    const logAppendTime = config['message.timestamp.type'] === 'LogAppendTime';
    if (producer.producerId >= 0) {
      const check = this.producerState.check(producer);
      if (check.kind === 'reject') return this.refuse(check.errorCode, check.message);
      if (check.kind === 'duplicate') {
        return {
          errorCode: KafkaErrorCode.none,
          baseOffset: check.baseOffset,
          logAppendTime: logAppendTime ? check.timestamp : -1,
          logStartOffset: this.startOffset,
        };
      }
    }

    const baseOffset = this.logEndOffset;
    try {
      assignBaseOffset(batch, baseOffset, this.options.leaderEpoch ?? 0);
      if (logAppendTime) setLogAppendTime(batch, now);
      const maxTimestamp = readInt64(batch, BatchField.maxTimestamp);
      this.maybeRoll(batch.length, lastOffsetDelta, now);
      this.active.append(batch, baseOffset, baseOffset + lastOffsetDelta, maxTimestamp, now);
      if (producer.producerId >= 0) this.producerState.record(producer, baseOffset, maxTimestamp, now);
      if (this.options.flush.mode === 'always') this.flush();
    } catch (error) {
      this.logger.error({ err: error, topic: this.topic, partition: this.partition }, 'append failed');
      return this.refuse(KafkaErrorCode.kafkaStorageError, `append failed: ${(error as Error).message}`);
    }
    this.options.onAppend?.();
    return {
      errorCode: KafkaErrorCode.none,
      baseOffset,
      logAppendTime: logAppendTime ? now : -1,
      logStartOffset: this.startOffset,
    };
  }

  private refuse(errorCode: number, errorMessage: string): AppendResult {
    return { errorCode, baseOffset: -1, logAppendTime: -1, logStartOffset: this.startOffset, errorMessage };
  }

  private maybeRoll(batchSize: number, lastOffsetDelta: number, now: number): void {
    const active = this.active;
    if (active.isEmpty) return;
    const config = this.options.config();
    const full = active.size + batchSize > config['segment.bytes'];
    const old = now - active.createdAt >= config['segment.ms'];
    // Index entries hold offsets relative to the segment base as int32.
    const offsetOverflow = active.nextOffset + lastOffsetDelta - active.baseOffset > INT32_MAX;
    if (full || old || offsetOverflow) this.roll(now);
  }

  private roll(now: number): void {
    const previous = this.active;
    previous.writeIndexes();
    if (this.options.flush.mode === 'always') previous.flush();
    else if (previous.needsFlush) this.unflushed.add(previous);
    this.segments.push(Segment.create(this.options.dir, previous.nextOffset, now));
    if (this.options.flush.mode === 'always') fsyncDirectory(this.options.dir);
    this.producerState.writeSnapshot(this.logEndOffset);
    this.logger.debug(
      { topic: this.topic, partition: this.partition, baseOffset: previous.nextOffset },
      'rolled a new segment',
    );
  }

  /**
   * Whole batches from the first one holding a record at or above `fetchOffset`, up to
   * `maxBytes` — but the first batch always when `minOneBatch`, however large (KIP-74). Leading
   * batches whose remaining records all lie below `fetchOffset` (left so by compaction) are
   * skipped; empty batches are never stored. Empty result when `fetchOffset` is outside
   * [logStartOffset, logEndOffset): the caller answers OFFSET_OUT_OF_RANGE or waits.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean): Buffer {
    if (fetchOffset < this.startOffset || fetchOffset >= this.logEndOffset) return EMPTY;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const segment = this.segments[i] as Segment;
      const found = segment.locate(fetchOffset);
      if (!found) continue;
      const { scanner } = found;
      let batch: ScannedBatch | null = found.batch;
      while (batch !== null && !this.hasRecordAtOrAbove(batch, fetchOffset, scanner.bytes.bind(scanner)))
        batch = scanner.next();
      if (batch === null) continue;
      return readWholeBatches(segment, batch, maxBytes, minOneBatch);
    }
    return EMPTY;
  }

  private hasRecordAtOrAbove(
    batch: ScannedBatch,
    offset: number,
    bytesOf: (b: ScannedBatch) => Buffer,
  ): boolean {
    if (batch.recordsCount <= 0) return false;
    if (batch.baseOffset >= offset || batch.recordsCount === batch.lastOffsetDelta + 1) return true;
    try {
      return batch.baseOffset + lastRecordOffsetDelta(bytesOf(batch)) >= offset;
    } catch {
      // Unreadable (codec unavailable): serve it; the client skips what lies below its offset.
      return true;
    }
  }

  /** Index of the last segment whose base is <= offset (0 when offset precedes them all). */
  private segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    let found = 0;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if ((this.segments[mid] as Segment).baseOffset <= offset) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  /**
   * ListOffsets for a timestamp (§5): the first offset at or after the log start whose record
   * timestamp is >= `timestamp`, with that timestamp (the batch's for LogAppendTime), or null.
   */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    for (const segment of this.segments) {
      if (segment.nextOffset <= this.startOffset || segment.maxTimestamp < timestamp) continue;
      const scanner = segment.scanner(segment.timestampScanStart(timestamp));
      for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
        if (batch.lastOffset < this.startOffset || batch.maxTimestamp < timestamp) continue;
        if (batch.attributes & Attribute.logAppendTime) {
          return { offset: Math.max(batch.baseOffset, this.startOffset), timestamp: batch.maxTimestamp };
        }
        let records;
        try {
          records = decodeRecords(scanner.bytes(batch));
        } catch {
          return { offset: Math.max(batch.baseOffset, this.startOffset), timestamp: batch.maxTimestamp };
        }
        for (const record of records) {
          const offset = batch.baseOffset + record.offsetDelta;
          const recordTimestamp = batch.baseTimestamp + record.timestampDelta;
          if (offset >= this.startOffset && recordTimestamp >= timestamp)
            return { offset, timestamp: recordTimestamp };
        }
      }
    }
    return null;
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (at most the log end offset) and
   * removes the segments wholly below it. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): number {
    if (offset < 0 || offset > this.logEndOffset) {
      throw new LogError(
        KafkaErrorCode.offsetOutOfRange,
        `offset ${offset} is outside [0, ${this.logEndOffset}]`,
      );
    }
    if (offset <= this.startOffset) return this.startOffset;
    this.setLogStartOffset(offset);
    const now = this.options.now();
    if (this.active.nextOffset <= offset && !this.active.isEmpty) this.roll(now);
    while (this.segments.length > 1 && (this.segments[0] as Segment).nextOffset <= this.startOffset)
      this.deleteOldestSegment();
    return this.startOffset;
  }

  /**
   * Retention by retention.ms and retention.bytes, in whole segments, for topics whose
   * cleanup.policy includes delete. Returns how many segments were deleted.
   */
  enforceRetention(now: number): number {
    const config = this.options.config();
    if (!hasCleanupPolicy(config, 'delete')) return 0;
    let deleted = 0;
    const retentionMs = config['retention.ms'];
    if (retentionMs >= 0) {
      while (true) {
        const oldest = this.segments[0] as Segment;
        if (oldest.isEmpty) break;
        const newest = oldest.maxTimestamp >= 0 ? oldest.maxTimestamp : oldest.lastModified;
        if (now - newest <= retentionMs) break;
        // An expired active segment is rolled first, so the log always keeps an active segment.
        if (this.segments.length === 1) this.roll(now);
        this.deleteOldestSegment();
        deleted++;
      }
    }
    const retentionBytes = config['retention.bytes'];
    if (retentionBytes >= 0) {
      let excess = this.size - retentionBytes;
      while (this.segments.length > 1 && excess >= (this.segments[0] as Segment).size) {
        excess -= (this.segments[0] as Segment).size;
        this.deleteOldestSegment();
        deleted++;
      }
    }
    if (deleted > 0) {
      this.setLogStartOffset(Math.max(this.startOffset, (this.segments[0] as Segment).baseOffset));
      this.logger.info(
        { topic: this.topic, partition: this.partition, deleted, logStartOffset: this.startOffset },
        'retention deleted segments',
      );
    }
    return deleted;
  }

  private deleteOldestSegment(): void {
    const oldest = this.segments.shift() as Segment;
    this.unflushed.delete(oldest);
    oldest.deleteFiles();
  }

  private setLogStartOffset(offset: number): void {
    this.startOffset = offset;
    writeFileAtomically(
      path.join(this.options.dir, LOG_START_FILE),
      String(offset),
      this.options.flush.mode !== 'never',
    );
  }

  /**
   * One compaction pass (§8) if the topic is compacted and the log is dirty enough (or a
   * tombstone's delete horizon has passed). Only segments before the active one, and before any
   * segment with records newer than now - min.compaction.lag.ms, are cleaned. Returns null when
   * there was nothing to do (or the pass was abandoned because the log changed under it).
   */
  compact(now: number): CompactionResult | null {
    const steps = this.compactionSteps(now);
    let step = steps.next();
    while (!step.done) step = steps.next();
    return step.value;
  }

  /** compact(), yielding to the event loop after each rewritten group of segments. */
  async compactInBackground(now: number): Promise<CompactionResult | null> {
    const steps = this.compactionSteps(now);
    let step = steps.next();
    while (!step.done) {
      await yieldToEventLoop();
      step = steps.next();
    }
    return step.value;
  }

  /**
   * The compaction pass as steps: each step rewrites one group of segments and swaps it in
   * atomically, so appends, reads, retention or topic deletion may run between steps. A step
   * first checks that its segments are still in the log, else the pass stops there.
   */
  private *compactionSteps(now: number): Generator<void, CompactionResult | null> {
    const config = this.options.config();
    if (this.closed || !hasCleanupPolicy(config, 'compact')) return null;
    const lagMs = config['min.compaction.lag.ms'];
    let end = this.segments.length - 1;
    if (lagMs > 0) {
      const limit = now - lagMs;
      const firstTooNew = this.segments.findIndex((s, i) => i < end && s.maxTimestamp > limit);
      if (firstTooNew >= 0) end = firstTooNew;
    }
    const cleanable = this.segments.slice(0, end);
    if (cleanable.length === 0) return null;
    const firstUncleanable = (this.segments[end] as Segment).baseOffset;
    const dirtyFrom = Math.min(Math.max(this.cleanerCheckpoint.offset, this.startOffset), firstUncleanable);
    let cleanBytes = 0;
    let dirtyBytes = 0;
    for (const segment of cleanable) {
      if (segment.nextOffset <= dirtyFrom) cleanBytes += segment.size;
      else dirtyBytes += segment.size;
    }
    const horizon = this.cleanerCheckpoint.tombstoneHorizon;
    const horizonPassed = horizon !== null && now >= horizon;
    const dirtyRatio = dirtyBytes === 0 ? 0 : dirtyBytes / (cleanBytes + dirtyBytes);
    if (!horizonPassed && (dirtyBytes === 0 || dirtyRatio < config['min.cleanable.dirty.ratio'])) return null;

    // Producer state must not depend on batches the cleaner may remove, nor the log start
    // offset on the base of a first segment that the cleaner may empty.
    this.producerState.writeSnapshot(this.logEndOffset, true);
    this.setLogStartOffset(this.startOffset);
    const map = buildOffsetMap(cleanable, dirtyFrom, firstUncleanable);
    const context = { map, now, deleteRetentionMs: config['delete.retention.ms'] };
    const result: CompactionResult = {
      segmentsBefore: cleanable.length,
      segmentsAfter: 0,
      bytesBefore: cleanBytes + dirtyBytes,
      bytesAfter: 0,
      recordsRemoved: 0,
      cleanedUpTo: firstUncleanable,
    };
    let nextHorizon: number | null = null;
    for (const group of groupSegments(cleanable, config['segment.bytes'])) {
      yield;
      const at = this.segments.indexOf(group[0] as Segment);
      const inPlace = at >= 0 && group.every((segment, i) => this.segments[at + i] === segment);
      if (this.closed || !inPlace || at + group.length >= this.segments.length) {
        this.logger.info(
          { topic: this.topic, partition: this.partition },
          'log changed during compaction; pass stopped',
        );
        return null;
      }
      const output = this.cleanGroup(group, context, now, result, (h) => {
        nextHorizon = Math.min(nextHorizon ?? Infinity, h);
      });
      commitCleanedSegment(output, group);
      for (const segment of group) this.unflushed.delete(segment);
      if (output.isEmpty) {
        // Every batch of the group was removed; an empty segment file would only get in the way.
        output.deleteFiles();
        this.segments.splice(at, group.length);
        continue;
      }
      output.lastModified = Math.max(...group.map((s) => s.lastModified));
      this.segments.splice(at, group.length, output);
      result.segmentsAfter++;
      result.bytesAfter += output.size;
    }
    this.cleanerCheckpoint = { offset: firstUncleanable, tombstoneHorizon: nextHorizon };
    writeFileAtomically(
      path.join(this.options.dir, CLEANER_CHECKPOINT_FILE),
      JSON.stringify(this.cleanerCheckpoint),
      true,
    );
    this.logger.info({ topic: this.topic, partition: this.partition, ...result }, 'compacted partition log');
    return result;
  }

  /** Writes the cleaned copy of a group of segments to a `.log.cleaned` segment. */
  private cleanGroup(
    group: readonly Segment[],
    context: CleaningContext,
    now: number,
    result: CompactionResult,
    onTombstoneHorizon: (horizon: number) => void,
  ): Segment {
    const output = Segment.create(this.options.dir, (group[0] as Segment).baseOffset, now, CLEANED_SUFFIX);
    try {
      for (const segment of group) {
        const scanner = segment.scanner(0);
        for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
          const bytes = scanner.bytes(batch);
          const outcome = cleanBatch(bytes, context);
          if (outcome.kind !== 'keep') result.recordsRemoved += outcome.removedRecords;
          if (outcome.kind === 'drop') continue;
          if (outcome.tombstoneHorizon !== null) onTombstoneHorizon(outcome.tombstoneHorizon);
          const kept = outcome.kind === 'keep' ? bytes : outcome.batch;
          const maxTimestamp = readInt64(kept, BatchField.maxTimestamp);
          output.append(kept, batch.baseOffset, batch.lastOffset, maxTimestamp, segment.lastModified);
        }
        if (scanner.error !== null) throw new Error(`${segment.path}: ${scanner.error}`);
      }
    } catch (error) {
      // Nothing is committed yet: the old segments are untouched.
      output.close();
      fs.rmSync(output.path, { force: true });
      throw error;
    }
    return output;
  }

  /** fsyncs whatever was written since the last flush. */
  flush(): void {
    for (const segment of this.unflushed) segment.flush();
    this.unflushed.clear();
    this.active.flush();
  }

  /** flush() without blocking the event loop (the 'interval' policy's timer). */
  async flushInBackground(): Promise<void> {
    if (this.closed) return;
    const onError = (error: Error): void => {
      this.logger.error({ err: error, topic: this.topic, partition: this.partition }, 'fdatasync failed');
    };
    const segments = [...this.unflushed, this.active];
    this.unflushed.clear();
    await Promise.all(segments.map((segment) => segment.flushInBackground(onError)));
  }

  /** flush() plus a producer-state snapshot: what a periodic checkpoint and close do. */
  checkpoint(): void {
    if (this.closed) return;
    if (this.options.flush.mode !== 'never') {
      this.flush();
      writeFileAtomically(path.join(this.options.dir, RECOVERY_POINT_FILE), String(this.logEndOffset), true);
    }
    this.producerState.writeSnapshot(this.logEndOffset);
  }

  /** Forgets idle idempotent producers (producer.id.expiration.ms). */
  expireProducers(now: number): number {
    return this.producerState.removeExpired(now);
  }

  /** Flushes, writes indexes and snapshots, and marks the shutdown clean. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.checkpoint();
    this.producerState.writeSnapshot(this.logEndOffset, true);
    for (const segment of this.segments) {
      segment.writeIndexes();
      segment.close();
    }
    this.closed = true;
    writeFileAtomically(path.join(this.options.dir, CLEAN_SHUTDOWN_FILE), '', true);
  }

  /** Closes without flushing or marking a clean shutdown (topic deletion). */
  abandon(): void {
    for (const segment of this.segments) segment.close();
    this.closed = true;
  }

  /** Replays idempotent batches after the newest producer-state snapshot. */
  private rebuildProducerState(now: number): void {
    const snapshotOffset = this.producerState.loadSnapshot(this.logEndOffset);
    const from = snapshotOffset ?? 0;
    let replayed = 0;
    for (const segment of this.segments) {
      if (segment.nextOffset <= from) continue;
      const scanner = segment.scanner(
        segment.offsetIndex.floorPosition(Math.max(0, from - segment.baseOffset)),
      );
      for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
        if (batch.baseOffset < from || batch.producerId < 0) continue;
        this.producerState.record(batch, batch.baseOffset, batch.maxTimestamp, now);
        replayed++;
      }
    }
    if (replayed > 0) this.producerState.writeSnapshot(this.logEndOffset);
  }
}

/**
 * Compacted topics refuse records without a key (as Kafka does). A batch compressed with a codec
 * the broker lacks cannot be checked and is let through; a malformed one is refused.
 */
function keylessRecordProblem(batch: Buffer): string | null {
  try {
    return hasRecordWithoutKey(batch) ? 'Compacted topic cannot accept message without key.' : null;
  } catch (error) {
    if (error instanceof UnsupportedCompressionError) return null;
    return `malformed records: ${(error as Error).message}`;
  }
}

/** Reads from `first` onwards as many whole batches as fit in `maxBytes`, in one read. */
function readWholeBatches(
  segment: Segment,
  first: ScannedBatch,
  maxBytes: number,
  minOneBatch: boolean,
): Buffer {
  if (first.size > maxBytes) return minOneBatch ? segment.read(first.position, first.size) : EMPTY;
  const chunk = segment.read(first.position, Math.min(maxBytes, segment.size - first.position));
  let end = 0;
  while (end + LOG_OVERHEAD <= chunk.length) {
    const size = chunk.readInt32BE(end + BatchField.batchLength) + LOG_OVERHEAD;
    if (end + size > chunk.length) break;
    end += size;
  }
  return end === chunk.length ? chunk : chunk.subarray(0, end);
}

/** Consecutive segments merged into one cleaned segment: at most segment.bytes, int32 offset span. */
function groupSegments(segments: readonly Segment[], maxBytes: number): Segment[][] {
  const groups: Segment[][] = [];
  let current: Segment[] = [];
  let bytes = 0;
  for (const segment of segments) {
    const first = current[0];
    const fits =
      first !== undefined &&
      bytes + segment.size <= maxBytes &&
      segment.nextOffset - first.baseOffset <= INT32_MAX;
    if (!fits && current.length > 0) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(segment);
    bytes += segment.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function readNumber(file: string): number | null {
  try {
    const value = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : null;
  } catch {
    return null;
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}
