import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../../lib/logger.js';
import { BatchScanner, type ScannedBatch } from './batch-scanner.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';

/** Kafka's index.interval.bytes: one index entry per this many bytes of log. */
export const INDEX_INTERVAL_BYTES = 4096;
const LOCATE_CHUNK_SIZE = 16 * 1024;

export function segmentFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';

export interface SegmentOpenOptions {
  /** Check every batch (lengths, offsets, CRC), truncate a torn or corrupt tail, rebuild indexes. */
  recover: boolean;
  logger: Logger;
  now: number;
}

export interface SegmentRecovery {
  /** Bytes cut off the end of the file (a torn or corrupt tail). */
  truncatedBytes: number;
  reason: string | null;
}

/**
 * One segment of a partition log: a `.log` file of whole record batches starting at
 * `baseOffset`, plus its sparse `.index` and `.timeindex`. Indexes live in memory and are written
 * to their files when the segment stops being the active one and at close; a missing, torn or
 * inconsistent index file is rebuilt from the log on open.
 */
export class Segment {
  size = 0;
  /** Offset after the last batch (the segment base when empty). */
  nextOffset: number;
  /** Largest batch maxTimestamp, -1 when empty. */
  maxTimestamp = -1;
  /**
   * Wall-clock time the segment was created or opened; segment.ms counts from it. (Kafka counts
   * from the first record's timestamp, which makes a replay of old events roll on every append.)
   */
  readonly createdAt: number;
  /** Wall-clock time of the last write, for retention of segments without timestamps. */
  lastModified: number;
  offsetIndex = new OffsetIndex();
  timeIndex = new TimeIndex();
  private bytesSinceIndexEntry = 0;
  private unflushed = false;
  /** fdatasync calls running on the thread pool; the fd stays open until they finish. */
  private syncsInFlight = 0;
  private indexesWritten = false;
  private closed = false;

  private constructor(
    private logPath: string,
    readonly dir: string,
    readonly baseOffset: number,
    private fd: number,
    now: number,
  ) {
    this.nextOffset = baseOffset;
    this.createdAt = now;
    this.lastModified = now;
  }

  get path(): string {
    return this.logPath;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** A new, empty segment file (`suffix` lets the cleaner write `.log.cleaned` files). */
  static create(dir: string, baseOffset: number, now: number, suffix = LOG_SUFFIX): Segment {
    const file = path.join(dir, segmentFileName(baseOffset, suffix));
    const fd = fs.openSync(file, 'w+');
    const segment = new Segment(file, dir, baseOffset, fd, now);
    return segment;
  }

  static open(
    dir: string,
    baseOffset: number,
    options: SegmentOpenOptions,
  ): { segment: Segment; recovery: SegmentRecovery } {
    const file = path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    const fd = fs.openSync(file, 'r+');
    const stat = fs.fstatSync(fd);
    const segment = new Segment(file, dir, baseOffset, fd, options.now);
    segment.lastModified = stat.mtimeMs;
    segment.size = stat.size;
    const recovery: SegmentRecovery = { truncatedBytes: 0, reason: null };
    if (options.recover || !segment.loadIndexes()) {
      const result = segment.rebuildIndexes(options.recover);
      if (result.validEnd < segment.size) {
        recovery.truncatedBytes = segment.size - result.validEnd;
        recovery.reason = result.error;
        options.logger.warn(
          {
            segment: file,
            position: result.validEnd,
            truncatedBytes: recovery.truncatedBytes,
            reason: result.error,
          },
          'truncating a torn or corrupt segment tail',
        );
        fs.ftruncateSync(fd, result.validEnd);
        fs.fdatasyncSync(fd);
        segment.size = result.validEnd;
      }
      segment.writeIndexes();
    }
    return { segment, recovery };
  }

  /** Appends a batch whose offsets were already assigned. */
  append(batch: Buffer, baseOffset: number, lastOffset: number, maxTimestamp: number, now: number): void {
    const position = this.size;
    let written = 0;
    try {
      while (written < batch.length)
        written += fs.writeSync(this.fd, batch, written, batch.length - written, position + written);
    } catch (error) {
      // Leave no partial batch behind: the file must stay a sequence of whole batches.
      fs.ftruncateSync(this.fd, position);
      throw error;
    }
    this.noteBatch(position, batch.length, baseOffset, lastOffset, maxTimestamp);
    this.size = position + batch.length;
    this.unflushed = true;
    this.indexesWritten = false;
    this.lastModified = now;
  }

  /** Index bookkeeping for a batch at `position`, shared by appends and index rebuilds. */
  private noteBatch(
    position: number,
    size: number,
    baseOffset: number,
    lastOffset: number,
    maxTimestamp: number,
  ): void {
    if (this.bytesSinceIndexEntry > INDEX_INTERVAL_BYTES) {
      const relativeOffset = baseOffset - this.baseOffset;
      this.offsetIndex.append(relativeOffset, position);
      if (this.maxTimestamp > this.timeIndex.lastTimestamp)
        this.timeIndex.append(this.maxTimestamp, relativeOffset);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
    if (maxTimestamp > this.maxTimestamp) this.maxTimestamp = maxTimestamp;
    this.nextOffset = lastOffset + 1;
  }

  read(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = fs.readSync(this.fd, buf, read, length - read, position + read);
      if (n === 0) break;
      read += n;
    }
    return read === length ? buf : buf.subarray(0, read);
  }

  scanner(from: number, verifyCrc = false, chunkSize?: number): BatchScanner {
    return new BatchScanner(this.fd, from, this.size, { verifyCrc, minOffset: this.baseOffset, chunkSize });
  }

  /** The first batch whose last offset is >= `offset`, or null if the segment has none. */
  locate(offset: number): { batch: ScannedBatch; scanner: BatchScanner } | null {
    if (offset >= this.nextOffset) return null;
    // A small window: the batch sought is within about one index interval of the entry.
    const scanner = this.scanner(
      this.offsetIndex.floorPosition(offset - this.baseOffset),
      false,
      LOCATE_CHUNK_SIZE,
    );
    for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
      if (batch.lastOffset >= offset) return { batch, scanner };
    }
    return null;
  }

  /** Position from which to scan for the first record with a timestamp >= `timestamp`. */
  timestampScanStart(timestamp: number): number {
    const relativeOffset = this.timeIndex.scanStartFor(timestamp);
    return relativeOffset < 0 ? 0 : this.offsetIndex.floorPosition(relativeOffset);
  }

  flush(): void {
    if (!this.unflushed || this.closed) return;
    fs.fdatasyncSync(this.fd);
    this.unflushed = false;
  }

  /**
   * fdatasync on libuv's thread pool, so a periodic flush does not stall the event loop while
   * the disk catches up. Writes made meanwhile mark the segment unflushed again.
   */
  flushInBackground(onError: (error: Error) => void): Promise<void> {
    if (!this.unflushed || this.closed) return Promise.resolve();
    this.unflushed = false;
    this.syncsInFlight++;
    return new Promise((resolve) => {
      fs.fdatasync(this.fd, (error) => {
        this.syncsInFlight--;
        if (error) {
          this.unflushed = true;
          onError(error);
        }
        if (this.closed && this.syncsInFlight === 0) fs.closeSync(this.fd);
        resolve();
      });
    });
  }

  get needsFlush(): boolean {
    return this.unflushed;
  }

  writeIndexes(): void {
    if (this.indexesWritten || this.closed) return;
    writeFileAtomically(this.siblingPath(INDEX_SUFFIX), this.offsetIndex.toBuffer());
    writeFileAtomically(this.siblingPath(TIME_INDEX_SUFFIX), this.timeIndex.toBuffer());
    this.indexesWritten = true;
  }

  /** Renames the log file (the cleaner's `.cleaned` -> `.swap` -> `.log` steps). */
  renameTo(suffix: string): void {
    const target = path.join(this.dir, segmentFileName(this.baseOffset, suffix));
    fs.renameSync(this.logPath, target);
    this.logPath = target;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // A background fdatasync still holds the fd: it closes it when done.
    if (this.syncsInFlight === 0) fs.closeSync(this.fd);
  }

  /** Closes and removes the segment's files. */
  deleteFiles(): void {
    this.close();
    for (const file of [this.logPath, this.siblingPath(INDEX_SUFFIX), this.siblingPath(TIME_INDEX_SUFFIX)]) {
      fs.rmSync(file, { force: true });
    }
  }

  siblingPath(suffix: string): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, suffix));
  }

  /** Loads the index files; false when they are missing or cannot be trusted. */
  private loadIndexes(): boolean {
    let offsetBytes: Buffer;
    let timeBytes: Buffer;
    try {
      offsetBytes = fs.readFileSync(this.siblingPath(INDEX_SUFFIX));
      timeBytes = fs.readFileSync(this.siblingPath(TIME_INDEX_SUFFIX));
    } catch {
      return false;
    }
    const offsetIndex = OffsetIndex.fromBuffer(offsetBytes, this.size);
    const timeIndex = TimeIndex.fromBuffer(timeBytes);
    if (!offsetIndex || !timeIndex) return false;
    const lastEntry = offsetIndex.length - 1;
    const tailStart = lastEntry < 0 ? 0 : offsetIndex.positionAt(lastEntry);
    // The last entry must point at the batch it names, or the index belongs to other data.
    const scanner = this.scanner(tailStart);
    const first = scanner.next();
    if (lastEntry >= 0 && first?.baseOffset !== this.baseOffset + offsetIndex.relativeOffsetAt(lastEntry))
      return false;
    if (timeIndex.length > 0 && (timeIndex.lastTimestamp < 0 || lastEntry < 0)) return false;
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    this.maxTimestamp = timeIndex.lastTimestamp;
    this.bytesSinceIndexEntry = 0;
    for (let batch = first; batch !== null; batch = scanner.next()) {
      this.bytesSinceIndexEntry += batch.size;
      if (batch.maxTimestamp > this.maxTimestamp) this.maxTimestamp = batch.maxTimestamp;
      this.nextOffset = batch.lastOffset + 1;
    }
    if (scanner.error !== null) return false;
    this.indexesWritten = true;
    return true;
  }

  /** Rebuilds the in-memory indexes from the log; returns where the valid batches end. */
  private rebuildIndexes(verifyCrc: boolean): { validEnd: number; error: string | null } {
    this.offsetIndex = new OffsetIndex();
    this.timeIndex = new TimeIndex();
    this.bytesSinceIndexEntry = 0;
    this.maxTimestamp = -1;
    this.nextOffset = this.baseOffset;
    const scanner = this.scanner(0, verifyCrc);
    for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
      this.noteBatch(batch.position, batch.size, batch.baseOffset, batch.lastOffset, batch.maxTimestamp);
    }
    this.indexesWritten = false;
    return { validEnd: scanner.position, error: scanner.error };
  }
}

export function deleteSegmentFiles(dir: string, baseOffset: number): void {
  for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
    fs.rmSync(path.join(dir, segmentFileName(baseOffset, suffix)), { force: true });
  }
}

/** Writes a small file so that a crash leaves either the old or the new content. */
export function writeFileAtomically(file: string, data: Buffer | string, sync = false): void {
  const temp = `${file}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (sync) fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
