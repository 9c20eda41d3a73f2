import {
  EVENT_TYPE_CODE,
  featureField,
  type Dataset,
  type FeatureRecord,
  type IdIndex,
  type Interactions,
} from './dataset.js';
import { csrFromCoordinates, type Csr } from './matrix.js';

/**
 * User and item feature vectors for the ranker, with the names and definitions of DESIGN.md
 * "Features". Two sources:
 *
 * - `pointInTimeFeatures`: recomputed in batch from a set of interactions as of a clock. Used to
 *   train and evaluate: features of the training window only, so a feature never encodes the
 *   events it is asked to predict (the snapshot's `cnt_7d` of an item includes test-period events;
 *   using it to rank the test period would leak the answer).
 * - `snapshotFeatures`: read from the latest UserFeatures/ItemFeatures records of the feature
 *   store. The same definitions over all events, so a ranker trained on point-in-time features
 *   can score with them when it serves.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const USER_FEATURE_NAMES = [
  'total_interactions',
  'n_view',
  'n_click',
  'n_add_to_cart',
  'n_purchase',
  'n_like',
  'n_rate',
  'unique_items',
  'rating_count',
  'avg_rating',
  'active_days',
  'cnt_1h',
  'cnt_24h',
  'cnt_7d',
  'cnt_30d',
  'purchases_7d',
  'purchases_30d',
  'conversion_rate',
  'diversity_score',
  'days_since_first_event',
  'days_since_last_event',
] as const;

export const ITEM_FEATURE_NAMES = [
  'total_interactions',
  'n_view',
  'n_click',
  'n_add_to_cart',
  'n_purchase',
  'n_like',
  'n_rate',
  'unique_users',
  'rating_count',
  'avg_rating',
  'cnt_1h',
  'cnt_24h',
  'cnt_7d',
  'cnt_30d',
  'ctr',
  'purchase_rate',
  'popularity_score',
  'trending_score',
  'days_since_first_event',
  'days_since_last_event',
] as const;

/** Row-major matrix of feature values, NaN where a feature is null or unknown. */
export interface FeatureMatrix {
  readonly names: readonly string[];
  readonly rows: number;
  readonly values: Float32Array;
}

export interface RankingFeatures {
  readonly user: FeatureMatrix;
  readonly item: FeatureMatrix;
  /** Category index of the user's favourite category, -1 when none. */
  readonly userFavoriteCategory: Int32Array;
  /** User × category share of the user's events (rows sum to <= 1); empty rows when unknown. */
  readonly userCategoryShare: Csr;
  /** Category index per item, -1 when none. */
  readonly itemCategory: Int32Array;
}

/** Popularity weights of DESIGN.md's item `popularity_score` (not the ALS confidence weights). */
const POPULARITY_SCORE_WEIGHTS = new Float64Array([1, 2, 3, 5, 3, 1]); // view click atc purchase like rate
const POPULARITY_HALF_LIFE_MS = 24 * HOUR_MS;

/** Features of every user and item computed from `dataset.interactions` as of `clock`. */
export function pointInTimeFeatures(dataset: Dataset, clock: number): RankingFeatures {
  const { interactions, users, items, itemCategory } = dataset;
  const categoryCounts = userCategoryCounts(interactions, users.size, itemCategory, dataset.categories.size);
  const favorite = favoriteCategories(categoryCounts, dataset.categories);
  return {
    user: computeUserFeatures(interactions, users.size, clock, categoryCounts),
    item: computeItemFeatures(interactions, items.size, clock),
    userFavoriteCategory: favorite,
    userCategoryShare: categoryShares(categoryCounts, interactions, users.size),
    itemCategory,
  };
}

/**
 * Features from the feature store's latest records (`dataset.userFeatures` / `itemFeatures`).
 * Category shares are not published per user, so they come from `dataset.interactions`.
 */
export function snapshotFeatures(dataset: Dataset): RankingFeatures {
  const { interactions, users, items, itemCategory, categories } = dataset;
  const categoryCounts = userCategoryCounts(interactions, users.size, itemCategory, categories.size);
  const favorite = new Int32Array(users.size).fill(-1);
  if (dataset.userFeatures) {
    for (const [id, record] of dataset.userFeatures) {
      const u = users.indexOf(id);
      const category = featureField(record, 'favorite_category');
      if (u >= 0 && typeof category === 'string') favorite[u] = categories.indexOf(category);
    }
  }
  return {
    user: featureMatrixFromRecords(dataset.userFeatures, users, USER_FEATURE_NAMES),
    item: featureMatrixFromRecords(dataset.itemFeatures, items, ITEM_FEATURE_NAMES),
    userFavoriteCategory: favorite,
    userCategoryShare: categoryShares(categoryCounts, interactions, users.size),
    itemCategory,
  };
}

/**
 * Reads the named numeric fields of each record into a matrix (NaN when missing or null).
 * `days_since_first_event` / `days_since_last_event` are derived from the record's
 * `first_event_time` / `last_event_time` and its `as_of` clock.
 */
export function featureMatrixFromRecords(
  records: ReadonlyMap<string, FeatureRecord> | undefined,
  index: IdIndex,
  names: readonly string[],
): FeatureMatrix {
  const d = names.length;
  const values = new Float32Array(index.size * d).fill(Number.NaN);
  if (records) {
    for (const [id, record] of records) {
      const row = index.indexOf(id);
      if (row < 0) continue;
      const asOf = numeric(featureField(record, 'as_of'));
      for (let f = 0; f < d; f++) {
        const name = names[f];
        let value: number;
        if (name === 'days_since_first_event')
          value = (asOf - numeric(featureField(record, 'first_event_time'))) / DAY_MS;
        else if (name === 'days_since_last_event')
          value = (asOf - numeric(featureField(record, 'last_event_time'))) / DAY_MS;
        else value = numeric(featureField(record, name));
        values[row * d + f] = value;
      }
    }
  }
  return { names, rows: index.size, values };
}

function numeric(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  return Number.NaN;
}

function computeUserFeatures(
  interactions: Interactions,
  nUsers: number,
  clock: number,
  categoryCounts: Csr,
): FeatureMatrix {
  const names = USER_FEATURE_NAMES;
  const d = names.length;
  const col = Object.fromEntries(names.map((name, f) => [name, f])) as Record<(typeof names)[number], number>;
  const values = new Float32Array(nUsers * d);
  const { user, item, eventType, rating, time } = interactions;
  const first = new Float64Array(nUsers).fill(Number.POSITIVE_INFINITY);
  const last = new Float64Array(nUsers).fill(Number.NEGATIVE_INFINITY);
  const ratingSum = new Float64Array(nUsers);
  for (let k = 0; k < interactions.length; k++) {
    const t = time[k];
    if (t > clock) continue;
    const row = user[k] * d;
    const type = eventType[k];
    const age = clock - t;
    values[row + col.total_interactions]++;
    values[row + col.n_view + type]++; // n_view..n_rate are consecutive in EVENT_TYPE_CODE order
    if (!Number.isNaN(rating[k])) {
      values[row + col.rating_count]++;
      ratingSum[user[k]] += rating[k];
    }
    if (age < HOUR_MS) values[row + col.cnt_1h]++;
    if (age < DAY_MS) values[row + col.cnt_24h]++;
    if (age < 7 * DAY_MS) {
      values[row + col.cnt_7d]++;
      if (type === EVENT_TYPE_CODE.purchase) values[row + col.purchases_7d]++;
    }
    if (age < 30 * DAY_MS) {
      values[row + col.cnt_30d]++;
      if (type === EVENT_TYPE_CODE.purchase) values[row + col.purchases_30d]++;
    }
    if (t < first[user[k]]) first[user[k]] = t;
    if (t > last[user[k]]) last[user[k]] = t;
  }
  const uniqueItems = distinctPerRow(user, item, nUsers);
  const days = new Float64Array(interactions.length);
  for (let k = 0; k < days.length; k++) days[k] = Math.floor(time[k] / DAY_MS);
  const activeDays = distinctPerRow(user, days, nUsers);
  for (let u = 0; u < nUsers; u++) {
    const row = u * d;
    const total = values[row + col.total_interactions];
    const views = values[row + col.n_view];
    values[row + col.unique_items] = uniqueItems[u];
    const rated = values[row + col.rating_count];
    values[row + col.avg_rating] = rated > 0 ? ratingSum[u] / rated : Number.NaN;
    values[row + col.active_days] = activeDays[u];
    values[row + col.conversion_rate] = views > 0 ? values[row + col.n_purchase] / views : Number.NaN;
    const distinctCategories = categoryCounts.indptr[u + 1] - categoryCounts.indptr[u];
    values[row + col.diversity_score] = total > 0 ? distinctCategories / total : Number.NaN;
    values[row + col.days_since_first_event] = total > 0 ? (clock - first[u]) / DAY_MS : Number.NaN;
    values[row + col.days_since_last_event] = total > 0 ? (clock - last[u]) / DAY_MS : Number.NaN;
  }
  return { names, rows: nUsers, values };
}

function computeItemFeatures(interactions: Interactions, nItems: number, clock: number): FeatureMatrix {
  const names = ITEM_FEATURE_NAMES;
  const d = names.length;
  const col = Object.fromEntries(names.map((name, f) => [name, f])) as Record<(typeof names)[number], number>;
  const values = new Float32Array(nItems * d);
  const { user, item, eventType, rating, time } = interactions;
  const first = new Float64Array(nItems).fill(Number.POSITIVE_INFINITY);
  const last = new Float64Array(nItems).fill(Number.NEGATIVE_INFINITY);
  const ratingSum = new Float64Array(nItems);
  const popularity = new Float64Array(nItems);
  for (let k = 0; k < interactions.length; k++) {
    const t = time[k];
    if (t > clock) continue;
    const i = item[k];
    const row = i * d;
    const type = eventType[k];
    const age = clock - t;
    values[row + col.total_interactions]++;
    values[row + col.n_view + type]++;
    if (!Number.isNaN(rating[k])) {
      values[row + col.rating_count]++;
      ratingSum[i] += rating[k];
    }
    if (age < HOUR_MS) values[row + col.cnt_1h]++;
    if (age < DAY_MS) values[row + col.cnt_24h]++;
    if (age < 7 * DAY_MS) values[row + col.cnt_7d]++;
    if (age < 30 * DAY_MS) values[row + col.cnt_30d]++;
    // Exponential decay with a 24 h half-life: weight · 2^(-age / half-life).
    popularity[i] += POPULARITY_SCORE_WEIGHTS[type] * Math.pow(2, -age / POPULARITY_HALF_LIFE_MS);
    if (t < first[i]) first[i] = t;
    if (t > last[i]) last[i] = t;
  }
  const uniqueUsers = distinctPerRow(item, user, nItems);
  for (let i = 0; i < nItems; i++) {
    const row = i * d;
    const total = values[row + col.total_interactions];
    const views = values[row + col.n_view];
    const rated = values[row + col.rating_count];
    const week = values[row + col.cnt_7d];
    values[row + col.unique_users] = uniqueUsers[i];
    values[row + col.avg_rating] = rated > 0 ? ratingSum[i] / rated : Number.NaN;
    values[row + col.ctr] = views > 0 ? values[row + col.n_click] / views : Number.NaN;
    values[row + col.purchase_rate] = views > 0 ? values[row + col.n_purchase] / views : Number.NaN;
    values[row + col.popularity_score] = popularity[i];
    values[row + col.trending_score] = week > 0 ? values[row + col.cnt_24h] / (week / 7) : Number.NaN;
    values[row + col.days_since_first_event] = total > 0 ? (clock - first[i]) / DAY_MS : Number.NaN;
    values[row + col.days_since_last_event] = total > 0 ? (clock - last[i]) / DAY_MS : Number.NaN;
  }
  return { names, rows: nItems, values };
}

/** Distinct values of `keys` per row (e.g. distinct days per user). */
function distinctPerRow(rows: Int32Array, keys: Int32Array | Float64Array, nRows: number): Int32Array {
  const order = new Int32Array(rows.length);
  for (let k = 0; k < order.length; k++) order[k] = k;
  order.sort((a, b) => rows[a] - rows[b] || keys[a] - keys[b]);
  const out = new Int32Array(nRows);
  for (let p = 0; p < order.length; p++) {
    const k = order[p];
    const previous = p > 0 ? order[p - 1] : -1;
    if (previous < 0 || rows[previous] !== rows[k] || keys[previous] !== keys[k]) out[rows[k]]++;
  }
  return out;
}

/** User × category event counts (events on items without a category are not counted). */
function userCategoryCounts(
  interactions: Interactions,
  nUsers: number,
  itemCategory: Int32Array,
  nCategories: number,
): Csr {
  const { user, item } = interactions;
  let n = 0;
  for (let k = 0; k < interactions.length; k++) if (itemCategory[item[k]] >= 0) n++;
  const rows = new Int32Array(n);
  const cols = new Int32Array(n);
  n = 0;
  for (let k = 0; k < interactions.length; k++) {
    const category = itemCategory[item[k]];
    if (category >= 0) {
      rows[n] = user[k];
      cols[n] = category;
      n++;
    }
  }
  return csrFromCoordinates(rows, cols, null, nUsers, nCategories);
}

/** The category with the most events per user; ties go to the alphabetically first name. */
function favoriteCategories(counts: Csr, categories: IdIndex): Int32Array {
  const favorite = new Int32Array(counts.nRows).fill(-1);
  for (let u = 0; u < counts.nRows; u++) {
    let best = -1;
    let bestCount = 0;
    for (let k = counts.indptr[u]; k < counts.indptr[u + 1]; k++) {
      const c = counts.indices[k];
      const count = counts.values[k];
      if (
        count > bestCount ||
        (count === bestCount && best >= 0 && categories.idAt(c) < categories.idAt(best))
      ) {
        best = c;
        bestCount = count;
      }
    }
    favorite[u] = best;
  }
  return favorite;
}

/** Category counts divided by the user's total number of events. */
function categoryShares(counts: Csr, interactions: Interactions, nUsers: number): Csr {
  const totals = new Float64Array(nUsers);
  for (let k = 0; k < interactions.length; k++) totals[interactions.user[k]]++;
  const values = new Float32Array(counts.values.length);
  for (let u = 0; u < nUsers; u++) {
    for (let k = counts.indptr[u]; k < counts.indptr[u + 1]; k++) values[k] = counts.values[k] / totals[u];
  }
  return { ...counts, values };
}
