/**
 * The event times of one entity inside the longest window (30 days behind the clock), kept sorted
 * ascending and stored as one compact blob: the first time zig-zag encoded, then the gaps between
 * neighbours, each as an unsigned LEB128 varint. Event times of a burst are milliseconds apart, so
 * most entries take one to three bytes; a hot item's month of events stays a few hundred KB at
 * most. Counting a window is two binary searches, so windows are exact at any read time.
 *
 * Arithmetic (not bitwise) operations keep the full 53-bit range of millisecond timestamps.
 */

const SEVEN_BITS = 128;

function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= SEVEN_BITS) {
    out.push((v % SEVEN_BITS) + SEVEN_BITS);
    v = Math.floor(v / SEVEN_BITS);
  }
  out.push(v);
}

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Encodes ascending times; throws when they are not sorted (a programming error upstream). */
export function encodeTimes(sorted: readonly number[]): Buffer {
  if (sorted.length === 0) return Buffer.alloc(0);
  const bytes: number[] = [];
  pushVarint(bytes, zigzag(sorted[0]!));
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]! - sorted[i - 1]!;
    if (gap < 0) throw new Error('encodeTimes: times are not sorted ascending');
    pushVarint(bytes, gap);
  }
  return Buffer.from(bytes);
}

export function decodeTimes(blob: Buffer | undefined): number[] {
  if (!blob || blob.length === 0) return [];
  const times: number[] = [];
  let at = 0;
  let previous = 0;
  while (at < blob.length) {
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      if (at >= blob.length) throw new Error('decodeTimes: truncated varint in time list');
      byte = blob[at++]!;
      value += (byte % SEVEN_BITS) * scale;
      scale *= SEVEN_BITS;
    } while (byte >= SEVEN_BITS);
    previous = times.length === 0 ? unzigzag(value) : previous + value;
    times.push(previous);
  }
  return times;
}

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
