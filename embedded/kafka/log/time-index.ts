/**
 * Sparse time index of one segment. An entry (T, relative offset O) says: every batch of the
 * segment before offset O has a max timestamp <= T. Entries are added together with offset index
 * entries whenever T grew, so T and O both increase. Written as Kafka's `.timeindex` layout:
 * int64 timestamp, int32 relative offset.
 */
export const TIME_INDEX_ENTRY_SIZE = 12;

export class TimeIndex {
  private timestamps: Float64Array = new Float64Array(64);
  private relativeOffsets: Int32Array = new Int32Array(64);
  private count = 0;

  get length(): number {
    return this.count;
  }

  get lastTimestamp(): number {
    return this.count === 0 ? -1 : (this.timestamps[this.count - 1] ?? -1);
  }

  append(timestamp: number, relativeOffset: number): void {
    if (this.count === this.timestamps.length) {
      const timestamps = new Float64Array(this.count * 2);
      timestamps.set(this.timestamps);
      this.timestamps = timestamps;
      const offsets = new Int32Array(this.count * 2);
      offsets.set(this.relativeOffsets);
      this.relativeOffsets = offsets;
    }
    this.timestamps[this.count] = timestamp;
    this.relativeOffsets[this.count] = relativeOffset;
    this.count++;
  }

  /**
   * The relative offset from which to scan for the first record with timestamp >= `timestamp`:
   * every batch before it is older. -1 means scan from the start of the segment.
   */
  scanStartFor(timestamp: number): number {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if ((this.timestamps[mid] ?? 0) < timestamp) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? -1 : (this.relativeOffsets[found] ?? -1);
  }

  truncateToRelativeOffset(relativeOffset: number): void {
    while (this.count > 0 && (this.relativeOffsets[this.count - 1] ?? 0) >= relativeOffset) this.count--;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.count * TIME_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.count; i++) {
      const at = i * TIME_INDEX_ENTRY_SIZE;
      const timestamp = this.timestamps[i] ?? 0;
      const high = Math.floor(timestamp / 4294967296);
      buf.writeInt32BE(high, at);
      buf.writeUInt32BE(timestamp - high * 4294967296, at + 4);
      buf.writeInt32BE(this.relativeOffsets[i] ?? 0, at + 8);
    }
    return buf;
  }

  /** Parses a time index file; null when it is torn or unordered. */
  static fromBuffer(buf: Buffer): TimeIndex | null {
    if (buf.length % TIME_INDEX_ENTRY_SIZE !== 0) return null;
    const index = new TimeIndex();
    let previousTimestamp = -Infinity;
    let previousOffset = -1;
    for (let at = 0; at < buf.length; at += TIME_INDEX_ENTRY_SIZE) {
      const timestamp = buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
      const relativeOffset = buf.readInt32BE(at + 8);
      if (timestamp <= previousTimestamp || relativeOffset <= previousOffset) return null;
      index.append(timestamp, relativeOffset);
      previousTimestamp = timestamp;
      previousOffset = relativeOffset;
    }
    return index;
  }
}
