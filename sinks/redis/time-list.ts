/**
 * The event times of one entity inside the longest window (30 days behind the clock), kept sorted
 * ascending. The processors hold them as arrays while they apply a batch; the store keeps them
 * packed (`packTimes`): fixed-width entries, so a reader counts a window with two binary searches
 * over the stored bytes without decoding the list — a lookup costs the same for a user with three
 * events and an item with a hundred thousand.
 *
 * Packed layout (little-endian), at some offset of a state blob:
 *
 *   u32 count | u8 width (4 or 8) | f64 base | count entries
 *
 * width 4: each entry is u32 (time - base), base being the first time. Stored times lie within
 * 30 days of each other (2.6e9 ms < 2^32), so this is the form the processors write: 4 bytes per
 * event. width 8: each entry is the f64 time itself, for spans a u32 cannot hold (never written
 * by the current pruning, kept so that a list is always representable).
 */

const U32_LIMIT = 2 ** 32;
export const PACKED_HEADER_BYTES = 4 + 1 + 8;

/** Number of entries <= x in an ascending list. */
export function countAtOrBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Entries with time in (clock - width, clock]. */
export function countInWindow(sorted: readonly number[], clock: number, width: number): number {
  return countAtOrBelow(sorted, clock) - countAtOrBelow(sorted, clock - width);
}

/**
 * Sorts in place (the list is mostly sorted already: stored entries plus a batch's appended
 * times, which the engine's merge sort handles in near-linear time) and drops entries that can
 * never count again: those at or before `clock - keep`, since the clock only moves forward.
 */
export function sortAndPrune(times: number[], clock: number, keep: number): number[] {
  times.sort((a, b) => a - b);
  const drop = countAtOrBelow(times, clock - keep);
  return drop === 0 ? times : times.slice(drop);
}

function entryWidth(sorted: readonly number[]): 4 | 8 {
  if (sorted.length === 0) return 4;
  const base = sorted[0]!;
  const span = sorted[sorted.length - 1]! - base;
  // Integral offsets only: a fractional time (never produced by timestamp-millis) keeps f64.
  for (let i = 0; i < sorted.length; i++) if (!Number.isInteger(sorted[i]! - base)) return 8;
  return span < U32_LIMIT ? 4 : 8;
}

/** Bytes `packTimes` writes for this list. */
export function packedSize(sorted: readonly number[]): number {
  return PACKED_HEADER_BYTES + sorted.length * entryWidth(sorted);
}

/**
 * Writes ascending times at `at`; returns the offset after them. Throws when they are not sorted
 * (a programming error upstream: readers binary-search them).
 */
export function packTimes(out: Buffer, at: number, sorted: readonly number[]): number {
  const width = entryWidth(sorted);
  const base = sorted.length > 0 ? sorted[0]! : 0;
  out.writeUInt32LE(sorted.length, at);
  out.writeUInt8(width, at + 4);
  out.writeDoubleLE(base, at + 5);
  let p = at + PACKED_HEADER_BYTES;
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i]!;
    if (t < previous) throw new Error('packTimes: times are not sorted ascending');
    previous = t;
    if (width === 4) out.writeUInt32LE(t - base, p);
    else out.writeDoubleLE(t, p);
    p += width;
  }
  return p;
}

/** A packed list's entry count, and the offset just past it. */
export function packedExtent(blob: Buffer, at: number): { count: number; end: number } {
  const count = blob.readUInt32LE(at);
  const width = blob.readUInt8(at + 4);
  if (width !== 4 && width !== 8) throw new Error(`packed time list: unknown entry width ${width}`);
  const end = at + PACKED_HEADER_BYTES + count * width;
  if (end > blob.length) throw new Error('packed time list: truncated');
  return { count, end };
}

/** The packed list at `at` as an array (the processors' working form). */
export function unpackTimes(blob: Buffer, at: number): number[] {
  const { count } = packedExtent(blob, at);
  const width = blob.readUInt8(at + 4);
  const base = blob.readDoubleLE(at + 5);
  const times = new Array<number>(count);
  let p = at + PACKED_HEADER_BYTES;
  for (let i = 0; i < count; i++, p += width) {
    times[i] = width === 4 ? base + blob.readUInt32LE(p) : blob.readDoubleLE(p);
  }
  return times;
}

/** Number of packed entries <= x, by binary search over the stored bytes. */
export function packedCountAtOrBelow(blob: Buffer, at: number, x: number): number {
  const count = blob.readUInt32LE(at);
  if (count === 0) return 0;
  const width = blob.readUInt8(at + 4);
  const base = blob.readDoubleLE(at + 5);
  const first = at + PACKED_HEADER_BYTES;
  let lo = 0;
  let hi = count;
  if (width === 4) {
    // Compare offsets from the base: integers, no addition per probe.
    const limit = x - base;
    if (limit < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (blob.readUInt32LE(first + mid * 4) <= limit) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (blob.readDoubleLE(first + mid * 8) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Packed entries with time in (clock - windowMs, clock]. */
export function packedCountInWindow(blob: Buffer, at: number, clock: number, windowMs: number): number {
  return packedCountAtOrBelow(blob, at, clock) - packedCountAtOrBelow(blob, at, clock - windowMs);
}
