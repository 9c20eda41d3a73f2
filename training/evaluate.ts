import { EVENT_TYPE_CODE, type Interactions } from './dataset.js';
import { csrFromCoordinates, csrRow, type Csr } from './matrix.js';
import type { RatingPredictor, Recommender } from './models/types.js';
import { topK } from './topk.js';

/**
 * Offline evaluation. Ranking metrics are computed over the full catalogue — every item is scored
 * for every evaluated user, no sampled candidate sets (sampled metrics are known to disagree with
 * full ones; Krichene & Rendle, KDD 2020) — and items the user interacted with in training are
 * excluded from both the ranking and the relevant set, since recommending them again is not what
 * is measured.
 */

/** A flat table of metric values, e.g. { 'ndcg@10': 0.21, rmse: 0.93 }; null when not applicable. */
export type MetricTable = Record<string, number | null>;

export interface RatingMetrics {
  rmse: number;
  mae: number;
  /** Number of test ratings. */
  count: number;
}

export interface RankingMetrics {
  k: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  hitRate: number;
  /** Distinct items in all top-k lists / catalogue size. */
  coverage: number;
  /** Users evaluated (with at least one relevant test item). */
  users: number;
}

export interface ListMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  averagePrecision: number;
  hit: number;
}

/**
 * Metrics of one top-k list against a set of relevant items (ascending indices).
 *
 *   precision@k = hits / k
 *   recall@k    = hits / |relevant|
 *   NDCG@k      = Σ_{hit at rank r} 1/log2(r+1)  /  Σ_{r=1}^{min(|rel|,k)} 1/log2(r+1)
 *   AP@k        = Σ_{hit at rank r} precision@r  /  min(|relevant|, k)
 *   hit@k       = 1 if any hit
 *
 * A list shorter than k counts its missing slots as misses.
 */
export function listMetrics(recommended: Int32Array, relevant: Int32Array, k: number): ListMetrics {
  if (relevant.length === 0) throw new RangeError('listMetrics needs at least one relevant item');
  let hits = 0;
  let dcg = 0;
  let precisionSum = 0;
  const n = Math.min(k, recommended.length);
  for (let r = 0; r < n; r++) {
    if (binarySearch(relevant, recommended[r])) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
      precisionSum += hits / (r + 1);
    }
  }
  let idcg = 0;
  const ideal = Math.min(relevant.length, k);
  for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
  return {
    precision: hits / k,
    recall: hits / relevant.length,
    ndcg: dcg / idcg,
    averagePrecision: precisionSum / ideal,
    hit: hits > 0 ? 1 : 0,
  };
}

function binarySearch(sorted: Int32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Whether a test event says the user wants the item: any implicit event does; a rating does when
 * it is at least `threshold` (a 2-star rating is an interaction, not a recommendation target).
 */
export function isRelevantEvent(eventType: number, rating: number, threshold: number): boolean {
  if (eventType !== EVENT_TYPE_CODE.rate || Number.isNaN(rating)) return true;
  return rating >= threshold;
}

export interface RankingTaskOptions {
  /** A rated test event is relevant when its rating is at least this (unrated events always are). */
  relevanceThreshold?: number;
  /**
   * Users with no training events: `skip` (default) leaves them out — collaborative models have
   * nothing to rank them by and every model would fall back to the same non-personal list —
   * `include` evaluates them too. The number skipped is reported either way.
   */
  coldUsers?: 'skip' | 'include';
}

/** What a ranking evaluation needs: per user, what to exclude and what counts as a hit. */
export interface RankingTask {
  /** Users to evaluate, ascending. */
  readonly users: Int32Array;
  /** Training items per user (excluded from ranking). */
  readonly seen: Csr;
  /** Relevant test items per user, training items removed. */
  readonly relevant: Csr;
  readonly nItems: number;
  /** Test users left out because they had no training events. */
  readonly skippedColdUsers: number;
}

export function buildRankingTask(
  train: Interactions,
  test: Interactions,
  nUsers: number,
  nItems: number,
  options: RankingTaskOptions = {},
): RankingTask {
  const threshold = options.relevanceThreshold ?? 4;
  const seen = csrFromCoordinates(train.user, train.item, null, nUsers, nItems);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let e = 0; e < test.length; e++) {
    if (isRelevantEvent(test.eventType[e], test.rating[e], threshold)) {
      rows.push(test.user[e]);
      cols.push(test.item[e]);
    }
  }
  const candidates = csrFromCoordinates(Int32Array.from(rows), Int32Array.from(cols), null, nUsers, nItems);
  // Drop items already seen in training from each user's relevant set.
  const keepRows: number[] = [];
  const keepCols: number[] = [];
  const users: number[] = [];
  let skippedColdUsers = 0;
  for (let u = 0; u < nUsers; u++) {
    const relevantItems = csrRow(candidates, u);
    if (relevantItems.length === 0) continue;
    const seenItems = csrRow(seen, u);
    if (seenItems.length === 0 && (options.coldUsers ?? 'skip') === 'skip') {
      skippedColdUsers++;
      continue;
    }
    let kept = 0;
    for (const item of relevantItems) {
      if (!binarySearch(seenItems, item)) {
        keepRows.push(u);
        keepCols.push(item);
        kept++;
      }
    }
    if (kept > 0) users.push(u);
  }
  const relevant = csrFromCoordinates(
    Int32Array.from(keepRows),
    Int32Array.from(keepCols),
    null,
    nUsers,
    nItems,
  );
  return { users: Int32Array.from(users), seen, relevant, nItems, skippedColdUsers };
}

/** Top-k ranking metrics of `model` over the task's users, averaged per user. */
export function evaluateRanking(model: Recommender, task: RankingTask, k = 10): RankingMetrics {
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  let map = 0;
  let hitRate = 0;
  const recommendedAnywhere = new Uint8Array(task.nItems);
  for (let n = 0; n < task.users.length; n++) {
    const u = task.users[n];
    const scores = model.scoreItems(u, csrRow(task.seen, u));
    const top = topK(scores, k);
    for (let r = 0; r < top.length; r++) recommendedAnywhere[top[r]] = 1;
    const m = listMetrics(top, csrRow(task.relevant, u), k);
    precision += m.precision;
    recall += m.recall;
    ndcg += m.ndcg;
    map += m.averagePrecision;
    hitRate += m.hit;
  }
  let covered = 0;
  for (let i = 0; i < recommendedAnywhere.length; i++) covered += recommendedAnywhere[i];
  const users = task.users.length;
  const mean = (sum: number): number => (users > 0 ? sum / users : Number.NaN);
  return {
    k,
    precision: mean(precision),
    recall: mean(recall),
    ndcg: mean(ndcg),
    map: mean(map),
    hitRate: mean(hitRate),
    coverage: task.nItems > 0 ? covered / task.nItems : Number.NaN,
    users,
  };
}

/** RMSE and MAE of a rating predictor over the rated test events (null when there are none). */
export function evaluateRatings(model: RatingPredictor, test: Interactions): RatingMetrics | null {
  let squared = 0;
  let absolute = 0;
  let count = 0;
  for (let e = 0; e < test.length; e++) {
    const rating = test.rating[e];
    if (Number.isNaN(rating)) continue;
    const error = model.predictRating(test.user[e], test.item[e]) - rating;
    squared += error * error;
    absolute += Math.abs(error);
    count++;
  }
  if (count === 0) return null;
  return { rmse: Math.sqrt(squared / count), mae: absolute / count, count };
}

/** The RMSE baseline: predicts the mean training rating for every pair. */
export class GlobalMeanPredictor implements RatingPredictor {
  constructor(readonly mean: number) {}

  static fit(train: Interactions): GlobalMeanPredictor {
    let sum = 0;
    let count = 0;
    for (let e = 0; e < train.length; e++) {
      const rating = train.rating[e];
      if (!Number.isNaN(rating)) {
        sum += rating;
        count++;
      }
    }
    return new GlobalMeanPredictor(count > 0 ? sum / count : Number.NaN);
  }

  predictRating(): number {
    return this.mean;
  }
}

/** The metric names of a table for cut-off k. */
export function metricNames(k = 10): string[] {
  return [
    'rmse',
    'mae',
    `precision@${k}`,
    `recall@${k}`,
    `ndcg@${k}`,
    `map@${k}`,
    `hit_rate@${k}`,
    `coverage@${k}`,
  ];
}

/** Flattens ranking and rating metrics into a table (absent parts are null). */
export function toMetricTable(
  ranking: RankingMetrics | null,
  rating: RatingMetrics | null,
  k = 10,
): MetricTable {
  const r = ranking;
  const finite = (value: number | undefined): number | null =>
    value === undefined || !Number.isFinite(value) ? null : value;
  return {
    rmse: finite(rating?.rmse),
    mae: finite(rating?.mae),
    [`precision@${k}`]: finite(r?.precision),
    [`recall@${k}`]: finite(r?.recall),
    [`ndcg@${k}`]: finite(r?.ndcg),
    [`map@${k}`]: finite(r?.map),
    [`hit_rate@${k}`]: finite(r?.hitRate),
    [`coverage@${k}`]: finite(r?.coverage),
  };
}
