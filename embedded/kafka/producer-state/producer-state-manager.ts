import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../../lib/logger.js';
import { ProducerErrorCode } from './error-codes.js';
import { incrementSequence } from './sequence.js';
import { BATCHES_PER_PRODUCER, type ProducerBatch, type ProducerEntry, type SequenceCheck } from './types.js';

const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOTS_KEPT = 2;

interface SnapshotFile {
  version: 1;
  offset: number;
  producers: ProducerEntry[];
}

export interface ProducerStateOptions {
  /** The partition directory; snapshots are `<offset, 20 digits>.snapshot` files in it. */
  dir: string;
  expirationMs: number;
  logger: Logger;
}

/**
 * Idempotent-producer bookkeeping of one partition (KAFKA-PROTOCOL.md §6): per producer id the
 * epoch and the last five batches, so that a retried batch is answered with its original offset
 * instead of being written twice. The state is snapshotted to files (at flush, roll, close and
 * before compaction) and rebuilt on open by replaying the batches the log holds after the
 * newest snapshot, so it survives restarts and compaction.
 */
export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerEntry>();
  private changedSinceSnapshot = false;
  private readonly logger: Logger;

  constructor(private readonly options: ProducerStateOptions) {
    this.logger = options.logger;
  }

  get size(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  /** Decides whether a batch from an idempotent producer (pid >= 0) may be appended. */
  check(batch: ProducerBatch): SequenceCheck {
    if (batch.baseSequence < 0) {
      return reject(
        ProducerErrorCode.invalidRecord,
        `producer ${batch.producerId} sent negative sequence ${batch.baseSequence}`,
      );
    }
    const entry = this.producers.get(batch.producerId);
    if (!entry) return { kind: 'append' };
    if (batch.producerEpoch < entry.epoch) {
      return reject(
        ProducerErrorCode.invalidProducerEpoch,
        `producer ${batch.producerId} epoch ${batch.producerEpoch} is older than the current epoch ${entry.epoch}`,
      );
    }
    if (batch.producerEpoch > entry.epoch) {
      if (batch.baseSequence !== 0) {
        return reject(
          ProducerErrorCode.outOfOrderSequenceNumber,
          `producer ${batch.producerId} started epoch ${batch.producerEpoch} at sequence ${batch.baseSequence}, not 0`,
        );
      }
      return { kind: 'append' };
    }
    const lastSequence = incrementSequence(batch.baseSequence, batch.lastOffsetDelta);
    const cached = entry.batches.find(
      (b) => b.firstSequence === batch.baseSequence && b.lastSequence === lastSequence,
    );
    if (cached) return { kind: 'duplicate', baseOffset: cached.firstOffset, timestamp: cached.timestamp };
    const last = entry.batches[entry.batches.length - 1];
    if (last === undefined) return { kind: 'append' };
    const expected = incrementSequence(last.lastSequence, 1);
    if (batch.baseSequence !== expected) {
      return reject(
        ProducerErrorCode.outOfOrderSequenceNumber,
        `producer ${batch.producerId} sent sequence ${batch.baseSequence}, expected ${expected}`,
      );
    }
    return { kind: 'append' };
  }

  /** Records an appended batch (also used to replay the log tail on recovery). */
  record(batch: ProducerBatch, baseOffset: number, timestamp: number, appendTime: number): void {
    let entry = this.producers.get(batch.producerId);
    if (!entry || batch.producerEpoch > entry.epoch) {
      entry = {
        producerId: batch.producerId,
        epoch: batch.producerEpoch,
        batches: [],
        lastAppendTime: appendTime,
      };
      this.producers.set(batch.producerId, entry);
    }
    entry.batches.push({
      firstSequence: batch.baseSequence,
      lastSequence: incrementSequence(batch.baseSequence, batch.lastOffsetDelta),
      firstOffset: baseOffset,
      lastOffset: baseOffset + batch.lastOffsetDelta,
      timestamp,
    });
    if (entry.batches.length > BATCHES_PER_PRODUCER) entry.batches.shift();
    entry.lastAppendTime = appendTime;
    this.changedSinceSnapshot = true;
  }

  /** Forgets producers idle for longer than producer.id.expiration.ms. */
  removeExpired(now: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      if (now - entry.lastAppendTime > this.options.expirationMs) {
        this.producers.delete(producerId);
        removed++;
      }
    }
    if (removed > 0) this.changedSinceSnapshot = true;
    return removed;
  }

  /**
   * Writes the state as of log end offset `offset` (temp file, fsync, rename) unless nothing
   * changed since the last snapshot, and prunes older snapshots.
   */
  writeSnapshot(offset: number, force = false): void {
    if (!this.changedSinceSnapshot && !force) return;
    const snapshot: SnapshotFile = { version: 1, offset, producers: [...this.producers.values()] };
    const file = snapshotPath(this.options.dir, offset);
    const temp = `${file}.tmp`;
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify(snapshot));
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
    this.changedSinceSnapshot = false;
    for (const old of listSnapshotOffsets(this.options.dir).slice(0, -SNAPSHOTS_KEPT)) {
      fs.rmSync(snapshotPath(this.options.dir, old), { force: true });
    }
  }

  /**
   * Loads the newest snapshot at or below `logEndOffset` (newer ones describe a log tail that was
   * truncated away and are deleted). Returns the offset from which the caller must replay batches
   * with `record`, or null when there is no usable snapshot (replay the whole log).
   */
  loadSnapshot(logEndOffset: number): number | null {
    this.producers.clear();
    const offsets = listSnapshotOffsets(this.options.dir);
    for (const offset of offsets.filter((o) => o > logEndOffset)) {
      fs.rmSync(snapshotPath(this.options.dir, offset), { force: true });
    }
    const usable = offsets.filter((o) => o <= logEndOffset).reverse();
    for (const offset of usable) {
      try {
        const parsed = JSON.parse(
          fs.readFileSync(snapshotPath(this.options.dir, offset), 'utf8'),
        ) as SnapshotFile;
        if (parsed.version !== 1 || !Array.isArray(parsed.producers))
          throw new Error('unknown snapshot layout');
        // lastAppendTime is the previous run's wall clock: time spent down counts towards expiry.
        for (const entry of parsed.producers) this.producers.set(entry.producerId, entry);
        this.changedSinceSnapshot = false;
        return parsed.offset;
      } catch (error) {
        this.logger.warn({ err: error, offset }, 'unreadable producer state snapshot, trying an older one');
        this.producers.clear();
      }
    }
    return null;
  }
}

function reject(errorCode: number, message: string): SequenceCheck {
  return { kind: 'reject', errorCode, message };
}

function snapshotPath(dir: string, offset: number): string {
  return path.join(dir, `${String(offset).padStart(20, '0')}${SNAPSHOT_SUFFIX}`);
}

function listSnapshotOffsets(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(SNAPSHOT_SUFFIX) && /^\d{20}\.snapshot$/.test(name))
    .map((name) => Number(name.slice(0, 20)))
    .sort((a, b) => a - b);
}
