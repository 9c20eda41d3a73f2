import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countInWindow, decodeTimes, encodeTimes, sortAndPrune } from '../../../sinks/redis/time-list.js';

describe('time list blob', () => {
  it('round-trips sorted times, negative and large ones included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 45), max: 2 ** 45 })), (times) => {
        const sorted = [...times].sort((a, b) => a - b);
        expect(decodeTimes(encodeTimes(sorted))).toEqual(sorted);
      }),
    );
  });

  it('stores a burst compactly (one or two bytes per close event)', () => {
    const times = Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 50);
    expect(encodeTimes(times).length).toBeLessThan(2 + 6 + 999 * 1);
  });

  it('refuses unsorted input', () => {
    expect(() => encodeTimes([2, 1])).toThrow(/not sorted/);
  });

  it('counts (clock - width, clock]: the lower bound excluded, the clock included', () => {
    const clock = 10_000;
    const times = [5_000, 5_001, 9_999, 10_000];
    expect(countInWindow(times, clock, 5_000)).toBe(3);
    expect(countInWindow(times, clock, 5_001)).toBe(4);
    expect(countInWindow(times, clock, 4_999)).toBe(2);
    expect(countInWindow(times, 9_999, 5_000)).toBe(3);
  });

  it('prunes only times that can never count again', () => {
    expect(sortAndPrune([7, 3, 5, 9], 10, 5)).toEqual([7, 9]);
    expect(sortAndPrune([6, 5], 10, 5)).toEqual([6]);
  });
});
