import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeVarintTimes } from '../../../sinks/redis/legacy-state.js';
import {
  countInWindow,
  packTimes,
  packedCountInWindow,
  packedExtent,
  packedSize,
  sortAndPrune,
  unpackTimes,
} from '../../../sinks/redis/time-list.js';
import { encodeVarintTimes } from '../../harness/format1-state.js';

const DAY = 86_400_000;

function pack(sorted: readonly number[], at = 0): Buffer {
  const out = Buffer.alloc(at + packedSize(sorted));
  expect(packTimes(out, at, sorted)).toBe(out.length);
  return out;
}

/** Sorted times within 30 days of each other, as the processors keep them. */
const monthOfTimes = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 42 }), fc.array(fc.integer({ min: 0, max: 30 * DAY - 1 })))
  .map(([base, offsets]) => offsets.map((o) => base + o).sort((a, b) => a - b));

describe('packed time list', () => {
  it('round-trips sorted times, at any offset of a blob', () => {
    fc.assert(
      fc.property(monthOfTimes, fc.integer({ min: 0, max: 9 }), (sorted, at) => {
        const blob = pack(sorted, at);
        expect(unpackTimes(blob, at)).toEqual(sorted);
        expect(packedExtent(blob, at)).toEqual({ count: sorted.length, end: blob.length });
      }),
    );
  });

  it('takes 4 bytes per event within a month, and still holds spans a u32 cannot', () => {
    const times = Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 50);
    expect(packedSize(times)).toBe(13 + 4 * 1000);
    const wide = [-(2 ** 45), 0, 2 ** 45];
    expect(packedSize(wide)).toBe(13 + 8 * 3);
    expect(unpackTimes(pack(wide), 0)).toEqual(wide);
  });

  it('counts a window by binary search exactly as over the array', () => {
    fc.assert(
      fc.property(
        monthOfTimes,
        fc.integer({ min: -DAY, max: 31 * DAY }),
        fc.constantFrom(3_600_000, DAY, 7 * DAY, 30 * DAY, 1),
        (sorted, clockOffset, width) => {
          const clock = (sorted[0] ?? 0) + clockOffset;
          const blob = pack(sorted, 3);
          expect(packedCountInWindow(blob, 3, clock, width)).toBe(countInWindow(sorted, clock, width));
        },
      ),
    );
  });

  it('refuses unsorted input', () => {
    expect(() => pack([2, 1])).toThrow(/not sorted/);
  });

  it('counts (clock - width, clock]: the lower bound excluded, the clock included', () => {
    const clock = 10_000;
    const times = [5_000, 5_001, 9_999, 10_000];
    const blob = pack(times);
    for (const [at, width, expected] of [
      [clock, 5_000, 3],
      [clock, 5_001, 4],
      [clock, 4_999, 2],
      [9_999, 5_000, 3],
    ] as const) {
      expect(countInWindow(times, at, width)).toBe(expected);
      expect(packedCountInWindow(blob, 0, at, width)).toBe(expected);
    }
  });

  it('prunes only times that can never count again', () => {
    expect(sortAndPrune([7, 3, 5, 9], 10, 5)).toEqual([7, 9]);
    expect(sortAndPrune([6, 5], 10, 5)).toEqual([6]);
  });
});

describe('format-1 time list (read only)', () => {
  it('decodes the delta-varint lists earlier versions wrote, negative and large times included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 45), max: 2 ** 45 })), (times) => {
        const sorted = [...times].sort((a, b) => a - b);
        expect(decodeVarintTimes(encodeVarintTimes(sorted))).toEqual(sorted);
      }),
    );
  });

  it('reports a truncated list', () => {
    expect(() => decodeVarintTimes(Buffer.from([0x80]))).toThrow(/truncated/);
  });
});
