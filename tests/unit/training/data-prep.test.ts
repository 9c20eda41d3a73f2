import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDataset, EVENT_TYPE_CODE, type InteractionRow } from '../../../training/dataset.js';
import { csrFromCoordinates, csrHas, transpose } from '../../../training/matrix.js';
import { sampleNegatives } from '../../../training/negatives.js';
import { permutation, Rng } from '../../../training/random.js';
import { kfold, temporalSplit } from '../../../training/split.js';
import { generatePlanted } from '../../../training/synthetic.js';
import { confidenceWeights } from '../../../training/weights.js';

const planted = generatePlanted({ users: 200, items: 150, interactions: 5000, seed: 3 });

describe('Rng', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 5 }, () => rng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws floats in [0, 1), ints in range, standard normals', () => {
    const rng = new Rng(1);
    let sum = 0;
    let squares = 0;
    let outOfRange = 0;
    const n = 20_000;
    for (let k = 0; k < n; k++) {
      const f = rng.float();
      if (!(f >= 0 && f < 1)) outOfRange++;
      const i = rng.int(7);
      if (!(Number.isInteger(i) && i >= 0 && i < 7)) outOfRange++;
      const z = rng.normal();
      sum += z;
      squares += z * z;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.05);
  });

  it('shuffles into a permutation', () => {
    const order = permutation(1000, new Rng(5));
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(order.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('buildDataset', () => {
  it('indexes ids in order of first appearance and stores typed columns', () => {
    const data = buildDataset(
      [
        { user_id: 'b', item_id: 'x', event_type: 'purchase', rating: null, event_time: 10 },
        { user_id: 'a', item_id: 'y', event_type: 'rate', rating: 4.5, event_time: 5 },
      ],
      {
        itemFeatures: new Map([
          ['z', { category: 'books' }],
          ['x', { category: 'toys' }],
        ]),
      },
    );
    expect(data.users.ids).toEqual(['b', 'a']);
    // Items known only from the catalogue are indexed after the interacted ones.
    expect(data.items.ids).toEqual(['x', 'y', 'z']);
    expect(Array.from(data.interactions.eventType)).toEqual([EVENT_TYPE_CODE.purchase, EVENT_TYPE_CODE.rate]);
    expect(Number.isNaN(data.interactions.rating[0])).toBe(true);
    expect(data.interactions.rating[1]).toBe(4.5);
    expect(data.categories.idAt(data.itemCategory[data.items.indexOf('z')])).toBe('books');
    expect(data.itemCategory[data.items.indexOf('y')]).toBe(-1);
  });

  it('rejects bad rows with the row number', () => {
    const bad = {
      user_id: 'a',
      item_id: 'b',
      event_type: 'hover',
      rating: null,
      event_time: 1,
    } as unknown as InteractionRow;
    expect(() => buildDataset([bad])).toThrow(/row 0: unknown event_type/);
    expect(() =>
      buildDataset([{ user_id: 'a', item_id: 'b', event_type: 'rate', rating: 7, event_time: 1 }]),
    ).toThrow(/outside 1–5/);
  });
});

describe('CSR', () => {
  it('sums duplicates, sorts columns, and transposes', () => {
    const m = csrFromCoordinates(
      Int32Array.from([1, 0, 1, 1]),
      Int32Array.from([2, 1, 0, 2]),
      Float32Array.from([1, 2, 3, 4]),
      2,
      3,
    );
    expect(Array.from(m.indptr)).toEqual([0, 1, 3]);
    expect(Array.from(m.indices)).toEqual([1, 0, 2]);
    expect(Array.from(m.values)).toEqual([2, 3, 5]);
    expect(csrHas(m, 1, 2)).toBe(true);
    expect(csrHas(m, 0, 2)).toBe(false);
    const t = transpose(m);
    expect(Array.from(t.indptr)).toEqual([0, 1, 2, 3]);
    expect(Array.from(t.indices)).toEqual([1, 0, 1]);
    expect(Array.from(t.values)).toEqual([3, 2, 5]);
  });
});

describe('temporalSplit', () => {
  const data = buildDataset(planted.rows);

  it('splits 70/10/20 and every later part is strictly later', () => {
    const split = temporalSplit(data.interactions);
    const n = data.interactions.length;
    expect(split.train.length + split.validation.length + split.test.length).toBe(n);
    expect(Math.abs(split.train.length - 0.7 * n)).toBeLessThan(0.01 * n);
    expect(Math.abs(split.validation.length - 0.1 * n)).toBeLessThan(0.01 * n);
    const time = data.interactions.time;
    const maxOf = (idx: Int32Array): number => Math.max(...Array.from(idx, (e) => time[e]));
    const minOf = (idx: Int32Array): number => Math.min(...Array.from(idx, (e) => time[e]));
    expect(minOf(split.validation)).toBeGreaterThan(maxOf(split.train));
    expect(minOf(split.test)).toBeGreaterThan(maxOf(split.validation));
  });

  it('never lets a run of equal timestamps straddle a boundary', () => {
    // 10 events, times 0,1,1,1,1,1,1,1,2,3: a 70% cut at 7 falls inside the run of 1s.
    const times = [0, 1, 1, 1, 1, 1, 1, 1, 2, 3];
    const tied = buildDataset(
      times.map((t, k) => ({
        user_id: `u${k}`,
        item_id: 'i',
        event_type: 'view',
        rating: null,
        event_time: t,
      })),
    );
    const split = temporalSplit(tied.interactions, { train: 0.7, validation: 0.1, test: 0.2 });
    expect(split.train.length).toBe(8);
    const lastTrain = Math.max(...Array.from(split.train, (e) => times[e]));
    for (const e of [...split.validation, ...split.test]) expect(times[e]).toBeGreaterThan(lastTrain);
  });

  it('honours configured fractions and rejects invalid ones', () => {
    const split = temporalSplit(data.interactions, { train: 0.5, validation: 0.25, test: 0.25 });
    expect(Math.abs(split.train.length - 0.5 * data.interactions.length)).toBeLessThan(
      0.01 * data.interactions.length,
    );
    expect(() => temporalSplit(data.interactions, { train: 0.5, validation: 0.1, test: 0.1 })).toThrow(
      /add up to 1/,
    );
  });
});

describe('kfold', { timeout: 120_000 }, () => {
  it('puts every event in exactly one test fold and in the other folds train sets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 400 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer(),
        (n, k, seed) => {
          const folds = kfold(n, k, seed);
          expect(folds).toHaveLength(k);
          const timesInTest = new Int32Array(n);
          for (const fold of folds) {
            for (const e of fold.test) timesInTest[e]++;
            expect(fold.train.length + fold.test.length).toBe(n);
            const inTest = new Set(fold.test);
            for (const e of fold.train) expect(inTest.has(e)).toBe(false);
            expect(Math.abs(fold.test.length - n / k)).toBeLessThanOrEqual(1);
          }
          expect(Array.from(timesInTest).every((c) => c === 1)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('is seeded', () => {
    expect(kfold(100, 5, 1)[0].test).toEqual(kfold(100, 5, 1)[0].test);
    expect(kfold(100, 5, 1)[0].test).not.toEqual(kfold(100, 5, 2)[0].test);
  });
});

describe('confidenceWeights', () => {
  it('weights events by type and uses the rating when present', () => {
    const data = buildDataset(
      (['view', 'click', 'add_to_cart', 'like', 'purchase'] as const).map((type, k) => ({
        user_id: 'u',
        item_id: `i${k}`,
        event_type: type,
        rating: null,
        event_time: k,
      })),
    );
    expect(Array.from(confidenceWeights(data.interactions))).toEqual([1, 1, 3, 3, 5]);
    const rated = buildDataset([
      { user_id: 'u', item_id: 'i', event_type: 'rate', rating: 4, event_time: 0 },
    ]);
    expect(Array.from(confidenceWeights(rated.interactions))).toEqual([4]);
  });
});

describe('sampleNegatives', { timeout: 120_000 }, () => {
  const data = buildDataset(planted.rows);
  const interacted = csrFromCoordinates(
    data.interactions.user,
    data.interactions.item,
    null,
    data.users.size,
    data.items.size,
  );
  const positives = data.interactions.user.slice(0, 2000);

  for (const mode of ['uniform', 'popularity'] as const) {
    it(`${mode}: never returns an item the user interacted with, 4 per positive`, () => {
      const counts = new Float64Array(data.items.size);
      for (const i of data.interactions.item) counts[i]++;
      const negatives = sampleNegatives(positives, {
        interacted,
        ratio: 4,
        mode,
        rng: new Rng(9),
        itemWeights: counts,
      });
      expect(negatives.user.length).toBe(positives.length * 4);
      let violations = 0;
      for (let k = 0; k < negatives.user.length; k++) {
        if (csrHas(interacted, negatives.user[k], negatives.item[k])) violations++;
      }
      expect(violations).toBe(0);
      // Seeded: the same seed gives the same negatives.
      const again = sampleNegatives(positives, {
        interacted,
        ratio: 4,
        mode,
        rng: new Rng(9),
        itemWeights: counts,
      });
      expect(again.item).toEqual(negatives.item);
    });
  }

  it('popularity mode draws popular items more often than uniform mode', () => {
    const counts = new Float64Array(data.items.size);
    for (const i of data.interactions.item) counts[i]++;
    const meanPopularity = (items: Int32Array): number =>
      items.reduce((s, i) => s + counts[i], 0) / items.length;
    const uniform = sampleNegatives(positives, { interacted, ratio: 4, mode: 'uniform', rng: new Rng(1) });
    const popular = sampleNegatives(positives, {
      interacted,
      ratio: 4,
      mode: 'popularity',
      rng: new Rng(1),
      itemWeights: counts,
    });
    expect(meanPopularity(popular.item)).toBeGreaterThan(1.3 * meanPopularity(uniform.item));
  });

  it('gives up on a user who has seen every item instead of looping', () => {
    const full = csrFromCoordinates(Int32Array.from([0, 0]), Int32Array.from([0, 1]), null, 1, 2);
    const negatives = sampleNegatives(Int32Array.from([0]), {
      interacted: full,
      ratio: 4,
      mode: 'uniform',
      rng: new Rng(1),
    });
    expect(negatives.user.length).toBe(0);
  });
});
