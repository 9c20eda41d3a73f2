/**
 * Sparse offset index of one segment: (offset relative to the segment base, file position)
 * pairs, one per ~4 KiB of log, each pointing at the start of a batch. Kept in memory (8 bytes an
 * entry) and written as Kafka's `.index` layout: int32 relative offset, int32 position.
 */
export const OFFSET_INDEX_ENTRY_SIZE = 8;

export class OffsetIndex {
  private relativeOffsets: Int32Array = new Int32Array(64);
  private positions: Int32Array = new Int32Array(64);
  private count = 0;

  get length(): number {
    return this.count;
  }

  append(relativeOffset: number, position: number): void {
    if (this.count === this.positions.length) {
      this.relativeOffsets = grow(this.relativeOffsets);
      this.positions = grow(this.positions);
    }
    this.relativeOffsets[this.count] = relativeOffset;
    this.positions[this.count] = position;
    this.count++;
  }

  relativeOffsetAt(i: number): number {
    return this.relativeOffsets[i] ?? 0;
  }

  positionAt(i: number): number {
    return this.positions[i] ?? 0;
  }

  /** Position of the last indexed batch starting at or below `relativeOffset` (0 if none). */
  floorPosition(relativeOffset: number): number {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if ((this.relativeOffsets[mid] ?? 0) <= relativeOffset) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? 0 : (this.positions[found] ?? 0);
  }

  /** Drops entries pointing at or past `position` (after a truncation). */
  truncateToPosition(position: number): void {
    while (this.count > 0 && (this.positions[this.count - 1] ?? 0) >= position) this.count--;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.count * OFFSET_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.count; i++) {
      buf.writeInt32BE(this.relativeOffsets[i] ?? 0, i * OFFSET_INDEX_ENTRY_SIZE);
      buf.writeInt32BE(this.positions[i] ?? 0, i * OFFSET_INDEX_ENTRY_SIZE + 4);
    }
    return buf;
  }

  /**
   * Parses an index file; null when it cannot be trusted (torn, unordered, or pointing past the
   * segment), in which case the caller rebuilds it from the log.
   */
  static fromBuffer(buf: Buffer, segmentSize: number): OffsetIndex | null {
    if (buf.length % OFFSET_INDEX_ENTRY_SIZE !== 0) return null;
    const index = new OffsetIndex();
    let previousOffset = -1;
    let previousPosition = -1;
    for (let at = 0; at < buf.length; at += OFFSET_INDEX_ENTRY_SIZE) {
      const relativeOffset = buf.readInt32BE(at);
      const position = buf.readInt32BE(at + 4);
      if (relativeOffset <= previousOffset || position <= previousPosition || position >= segmentSize)
        return null;
      index.append(relativeOffset, position);
      previousOffset = relativeOffset;
      previousPosition = position;
    }
    return index;
  }
}

function grow(array: Int32Array): Int32Array {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
