import { describe, expect, it } from 'vitest';
import { RateHistory, rateColumns, type RateSample } from '../../../api/dashboard/rate-history.js';

const sample = (t: number, rate: number, processed: Record<string, number> = {}): RateSample => ({
  t,
  in: rate,
  processed,
});

describe('RateHistory', () => {
  it('keeps the newest `capacity` samples, oldest first', () => {
    const history = new RateHistory(3);
    expect(history.since()).toEqual([]);
    expect(history.latest()).toBeUndefined();
    for (let t = 1; t <= 5; t++) history.push(sample(t * 1000, t));
    expect(history.length).toBe(3);
    expect(history.since().map((s) => s.t)).toEqual([3000, 4000, 5000]);
    expect(history.latest()?.t).toBe(5000);
  });

  it('answers only the samples after `since`', () => {
    const history = new RateHistory(10);
    for (let t = 1; t <= 4; t++) history.push(sample(t * 1000, t));
    expect(history.since(2000).map((s) => s.t)).toEqual([3000, 4000]);
    expect(history.since(4000)).toEqual([]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RateHistory(0)).toThrow(RangeError);
    expect(() => new RateHistory(1.5)).toThrow(RangeError);
  });
});

describe('rateColumns', () => {
  it('aligns every series on t, rounds to a tenth, and fills a processor that appeared late with 0', () => {
    const columns = rateColumns([
      { t: 1000, in: null, processed: { 'user-features': 1.26 } },
      { t: 2000, in: 3.04, processed: { 'user-features': 2, 'item-features': 5.55 } },
    ]);
    expect(columns).toEqual({
      t: [1000, 2000],
      in: [null, 3],
      processed: { 'item-features': [0, 5.6], 'user-features': [1.3, 2] },
    });
  });
});
