import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecayed } from '../../../processors/features/decayed-sum.js';
import { POPULARITY_WEIGHTS, decayedValueAt, type DecayedSum } from '../../../sinks/redis/feature-state.js';
import { popularityFromRank, popularityRank } from '../../../sinks/redis/indexes.js';
import { EVENT_TYPES } from '../../../schemas/types.js';
import { DAY, T0 } from './helpers.js';

/**
 * The popularity index's score (sinks/redis/indexes.ts) is written once per change of an item and
 * never again as the clock moves: ordering by it must equal ordering by popularity_score at every
 * later clock, and the score must give popularity_score back.
 */

const sumArb = fc
  .array(
    fc.record({
      type: fc.constantFrom(...EVENT_TYPES),
      offset: fc.integer({ min: -60 * DAY, max: 0 }),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((events) => {
    const sum: DecayedSum = { value: 0, ref: Number.NEGATIVE_INFINITY };
    for (const e of events) addDecayed(sum, POPULARITY_WEIGHTS[e.type], T0 + e.offset);
    return sum;
  });

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

describe('popularity index score', () => {
  it('orders two items as their popularity_score does, at every clock after both', () => {
    fc.assert(
      fc.property(sumArb, sumArb, fc.integer({ min: 0, max: 400 * DAY }), (a, b, ahead) => {
        const clock = Math.max(a.ref, b.ref) + ahead;
        const pa = decayedValueAt(a, clock);
        const pb = decayedValueAt(b, clock);
        // Closer than the stated precision, either order is right.
        if (relative(pa, pb) <= 1e-11) return;
        expect(Math.sign(popularityRank(a) - popularityRank(b))).toBe(-Math.sign(pa - pb));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives popularity_score back at any clock', () => {
    fc.assert(
      fc.property(sumArb, fc.integer({ min: 0, max: 400 * DAY }), (sum, ahead) => {
        const clock = sum.ref + ahead;
        expect(
          relative(popularityFromRank(popularityRank(sum), clock), decayedValueAt(sum, clock)),
        ).toBeLessThan(1e-9);
      }),
    );
  });

  it('ranks the example of a late event: a fresh view beats two old purchases only once enough time passed', () => {
    const fresh: DecayedSum = { value: 1, ref: T0 };
    const old: DecayedSum = { value: 10, ref: T0 - 3 * DAY };
    // 10 · 2^-3 = 1.25 > 1: the old purchases still lead, and will at every later clock.
    expect(popularityRank(old)).toBeLessThan(popularityRank(fresh));
    expect(decayedValueAt(old, T0 + 100 * DAY)).toBeGreaterThan(decayedValueAt(fresh, T0 + 100 * DAY));
    const older: DecayedSum = { value: 10, ref: T0 - 4 * DAY };
    // 10 · 2^-4 = 0.625 < 1.
    expect(popularityRank(older)).toBeGreaterThan(popularityRank(fresh));
  });
});
