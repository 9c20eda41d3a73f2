import { describe, expect, it } from 'vitest';
import type { IdIndex } from '../../../training/dataset.js';
import { buildDataset, type Dataset } from '../../../training/dataset.js';
import {
  buildRankingTask,
  evaluateRanking,
  evaluateRatings,
  GlobalMeanPredictor,
  listMetrics,
  toMetricTable,
} from '../../../training/evaluate.js';
import type { Recommender } from '../../../training/models/types.js';
import { applyExclusions } from '../../../training/models/types.js';
import { topK } from '../../../training/topk.js';

/** A model with a fixed score vector per user, for metric tests. */
function fixedModel(users: IdIndex, items: IdIndex, scores: number[][]): Recommender {
  return {
    kind: 'popularity',
    users,
    items,
    scoreItems: (user, exclude) => applyExclusions(Float32Array.from(scores[user]), exclude),
    scorePair: (user, item) => scores[user][item],
    save: async () => {},
  };
}

describe('listMetrics', () => {
  it('matches a hand-computed case', () => {
    // relevant {1, 2, 9}; list [1, 5, 2, 8, 6]: hits at ranks 1 and 3.
    const m = listMetrics(Int32Array.from([1, 5, 2, 8, 6]), Int32Array.from([1, 2, 9]), 5);
    expect(m.precision).toBeCloseTo(2 / 5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    const dcg = 1 / Math.log2(2) + 1 / Math.log2(4);
    const idcg = 1 / Math.log2(2) + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(m.ndcg).toBeCloseTo(dcg / idcg, 12);
    expect(m.ndcg).toBeCloseTo(0.703918, 5);
    expect(m.averagePrecision).toBeCloseTo((1 / 1 + 2 / 3) / 3, 12);
    expect(m.hit).toBe(1);
  });

  it('gives zeros for a list with no hit and ones for a perfect list', () => {
    const miss = listMetrics(Int32Array.from([4, 5]), Int32Array.from([1]), 2);
    expect(miss).toEqual({ precision: 0, recall: 0, ndcg: 0, averagePrecision: 0, hit: 0 });
    const perfect = listMetrics(Int32Array.from([2, 1]), Int32Array.from([1, 2]), 2);
    expect(perfect.ndcg).toBeCloseTo(1, 12);
    expect(perfect.averagePrecision).toBeCloseTo(1, 12);
    expect(perfect.precision).toBe(1);
  });

  it('normalises AP by min(|relevant|, k) and counts missing slots as misses', () => {
    // 12 relevant items, k = 10, hits at every rank: AP = 10/10 = 1, recall = 10/12.
    const relevant = Int32Array.from({ length: 12 }, (_, i) => i);
    const full = listMetrics(
      Int32Array.from({ length: 10 }, (_, i) => i),
      relevant,
      10,
    );
    expect(full.averagePrecision).toBeCloseTo(1, 12);
    expect(full.recall).toBeCloseTo(10 / 12, 12);
    // A 1-item list against k = 10: precision 1/10.
    expect(listMetrics(Int32Array.from([3]), relevant, 10).precision).toBeCloseTo(0.1, 12);
  });
});

describe('topK', () => {
  it('returns the best k, best first, ties to the lower index, skipping -Infinity and NaN', () => {
    const scores = Float32Array.from([0.5, 2, Number.NaN, 2, -Infinity, 1, 3]);
    expect(Array.from(topK(scores, 3))).toEqual([6, 1, 3]);
    expect(Array.from(topK(scores, 10))).toEqual([6, 1, 3, 5, 0]);
  });
});

describe('evaluateRanking', () => {
  // 2 users, 5 items. Train: u0 saw i0; u1 saw i4. Test: u0 -> i1, i2; u1 -> i4 (seen) and i3.
  const rows = [
    { user_id: 'u0', item_id: 'i0', event_type: 'view' as const, rating: null, event_time: 1 },
    { user_id: 'u1', item_id: 'i4', event_type: 'view' as const, rating: null, event_time: 1 },
    { user_id: 'u0', item_id: 'i1', event_type: 'click' as const, rating: null, event_time: 2 },
    { user_id: 'u0', item_id: 'i2', event_type: 'rate' as const, rating: 5, event_time: 2 },
    { user_id: 'u1', item_id: 'i4', event_type: 'view' as const, rating: null, event_time: 2 },
    { user_id: 'u1', item_id: 'i3', event_type: 'rate' as const, rating: 4, event_time: 2 },
    // A low rating is an interaction but not a relevant target.
    { user_id: 'u1', item_id: 'i2', event_type: 'rate' as const, rating: 2, event_time: 2 },
  ];
  const data: Dataset = buildDataset(rows);
  const all = data.interactions;
  const train = {
    ...all,
    length: 2,
    user: all.user.slice(0, 2),
    item: all.item.slice(0, 2),
    eventType: all.eventType.slice(0, 2),
    rating: all.rating.slice(0, 2),
    time: all.time.slice(0, 2),
  };
  const test = {
    ...all,
    length: 5,
    user: all.user.slice(2),
    item: all.item.slice(2),
    eventType: all.eventType.slice(2),
    rating: all.rating.slice(2),
    time: all.time.slice(2),
  };
  const task = buildRankingTask(train, test, 2, 5);

  const ix = (id: string): number => data.items.indexOf(id);
  const relevantOf = (user: number): string[] =>
    Array.from(task.relevant.indices.subarray(task.relevant.indptr[user], task.relevant.indptr[user + 1]))
      .map((i) => data.items.idAt(i))
      .sort();
  /** A score vector by item id. */
  const scoresById = (byId: Record<string, number>): number[] => {
    const out = new Array<number>(data.items.size).fill(0);
    for (const [id, score] of Object.entries(byId)) out[ix(id)] = score;
    return out;
  };

  it('removes training items and low ratings from the relevant sets', () => {
    expect(Array.from(task.users)).toEqual([0, 1]);
    expect(relevantOf(0)).toEqual(['i1', 'i2']);
    expect(relevantOf(1)).toEqual(['i3']);
  });

  it('excludes seen items from the ranking and averages per user', () => {
    // Scores put the seen item first for both users: it must be skipped.
    const model = fixedModel(data.users, data.items, [
      scoresById({ i0: 9, i1: 1, i2: 8 }), // u0: ranking without i0 -> i2, i1: hits at 1, 2
      scoresById({ i2: 5, i3: 1, i4: 9 }), // u1: ranking without i4 -> i2, i3: hit at rank 2
    ]);
    const m = evaluateRanking(model, task, 2);
    const u0 = 1; // perfect list for 2 relevant items
    const u1 = 1 / Math.log2(3); // one hit at rank 2, IDCG = 1
    expect(m.ndcg).toBeCloseTo((u0 + u1) / 2, 12);
    expect(m.precision).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(m.recall).toBeCloseTo((1 + 1) / 2, 12);
    expect(m.map).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(m.hitRate).toBe(1);
    expect(m.coverage).toBeCloseTo(3 / 5, 12); // {i2, i1} ∪ {i2, i3}
    expect(m.users).toBe(2);
  });
});

describe('rating metrics', () => {
  it('computes RMSE and MAE against hand values, and the global mean baseline', () => {
    const data = buildDataset([
      { user_id: 'a', item_id: 'x', event_type: 'rate', rating: 4, event_time: 1 },
      { user_id: 'a', item_id: 'y', event_type: 'rate', rating: 2, event_time: 2 },
      { user_id: 'b', item_id: 'x', event_type: 'view', rating: null, event_time: 3 },
    ]);
    const mean = GlobalMeanPredictor.fit(data.interactions);
    expect(mean.mean).toBe(3);
    const errors = evaluateRatings(mean, data.interactions)!;
    expect(errors.count).toBe(2);
    expect(errors.rmse).toBeCloseTo(1, 12);
    expect(errors.mae).toBeCloseTo(1, 12);
    const offByOneAndThree = evaluateRatings(
      { predictRating: (_u, item) => (item === 0 ? 5 : 5) },
      data.interactions,
    )!;
    expect(offByOneAndThree.rmse).toBeCloseTo(Math.sqrt((1 + 9) / 2), 12);
    expect(offByOneAndThree.mae).toBeCloseTo(2, 12);
  });

  it('flattens metrics into a table with nulls for what does not apply', () => {
    const table = toMetricTable(null, { rmse: 0.9, mae: 0.7, count: 3 });
    expect(table.rmse).toBe(0.9);
    expect(table['ndcg@10']).toBeNull();
  });
});
