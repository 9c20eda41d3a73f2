import { join } from 'node:path';
import { latestEventTime, subsetDataset, type Dataset, type IdIndex } from '../dataset.js';
import { isRelevantEvent } from '../evaluate.js';
import { pointInTimeFeatures, snapshotFeatures, type RankingFeatures } from '../features.js';
import { csrFromCoordinates, csrRow } from '../matrix.js';
import { sampleNegatives, type NegativeSampling } from '../negatives.js';
import { Rng } from '../random.js';
import { splitByTime } from '../split.js';
import { topK } from '../topk.js';
import { ImplicitAls, type AlsParams } from './als.js';
import { readArtifact, readArtifactKind, writeArtifact } from './artifact.js';
import { fitLogistic, logisticMargin, type LogisticModel, type LogisticParams } from './logistic.js';
import { MatrixFactorization, type MfParams } from './mf.js';
import { InsufficientDataError, type Recommender } from './types.js';

export interface RankerParams {
  /** The candidate generator whose top items are re-ranked (and whose score is a feature). */
  base: 'als' | 'mf';
  als: Partial<AlsParams>;
  mf: Partial<MfParams>;
  /** How many of the base model's top items are re-ranked per user. */
  candidates: number;
  /** The newest fraction of the training events that labels the ranker's training rows. */
  holdoutFraction: number;
  negativeRatio: number;
  negatives: NegativeSampling;
  /** Cap on positive rows (seeded subsample above it): Newton's cost is rows × features². */
  maxPositives: number;
  /** Where serving-time features come from: recomputed from all training events, or the snapshot. */
  features: 'point-in-time' | 'snapshot';
  relevanceThreshold: number;
  logistic: Partial<LogisticParams>;
  seed: number;
}

export const DEFAULT_RANKER_PARAMS: Readonly<RankerParams> = Object.freeze({
  base: 'als',
  als: {},
  mf: {},
  candidates: 100,
  holdoutFraction: 0.2,
  negativeRatio: 4,
  negatives: 'uniform',
  maxPositives: 50_000,
  features: 'point-in-time',
  relevanceThreshold: 4,
  logistic: {},
  seed: 0,
});

/** Count-like features are fed as log(1 + x): their scale is multiplicative (10 vs 1000 views). */
const LOG_SCALED = new Set([
  'total_interactions',
  'n_view',
  'n_click',
  'n_add_to_cart',
  'n_purchase',
  'n_like',
  'n_rate',
  'unique_items',
  'unique_users',
  'rating_count',
  'active_days',
  'cnt_1h',
  'cnt_24h',
  'cnt_7d',
  'cnt_30d',
  'purchases_7d',
  'purchases_30d',
  'popularity_score',
  'days_since_first_event',
  'days_since_last_event',
]);

export interface RankerTrainingSummary {
  positives: number;
  negatives: number;
  /** Events that trained the ranker's own base model / labelled its rows. */
  baseEvents: number;
  labelEvents: number;
}

/**
 * The feature ranker: logistic regression over the base model's score, user features, item
 * features and user × item category affinity, re-ranking the base model's top `candidates`.
 *
 * Training without leakage: the training events are split once more by time. The base model is
 * refitted on the older part and features are computed as of its end; the newer part provides the
 * labels — (user, item) pairs the user turned to that were new to them, against `negativeRatio`
 * sampled items the user never touched. So the ranker learns how a base score and features
 * computed from the past predict the future, which is exactly how it is used. For serving it
 * then uses the base model and features of all training events.
 */
export class RankerModel implements Recommender {
  readonly kind = 'ranker' as const;

  private constructor(
    readonly users: IdIndex,
    readonly items: IdIndex,
    readonly params: RankerParams,
    readonly base: ImplicitAls | MatrixFactorization,
    readonly features: RankingFeatures,
    readonly featureNames: readonly string[],
    readonly logistic: LogisticModel,
    readonly summary: RankerTrainingSummary,
  ) {}

  /**
   * @param base the base model already fitted on `data` (e.g. the run's ALS), reused for serving;
   *   fitted here when absent.
   */
  static fit(
    data: Dataset,
    params: Partial<RankerParams> = {},
    base?: ImplicitAls | MatrixFactorization,
  ): RankerModel {
    const p: RankerParams = { ...DEFAULT_RANKER_PARAMS, ...params };
    const rng = new Rng(p.seed);
    const fitBase = (d: Dataset): ImplicitAls | MatrixFactorization =>
      p.base === 'als'
        ? ImplicitAls.fit(d, { seed: p.seed, ...p.als })
        : MatrixFactorization.fit(d, { seed: p.seed, ...p.mf });

    const [olderIdx, newerIdx] = splitByTime(data.interactions, 1 - p.holdoutFraction);
    const older = subsetDataset(data, olderIdx);
    const newer = subsetDataset(data, newerIdx).interactions;
    const olderBase = fitBase(older);
    const olderFeatures = pointInTimeFeatures(older, latestEventTime(older.interactions));

    // Positives: relevant (user, item) pairs of the newer part, new to a user known in the older part.
    const nUsers = data.users.size;
    const nItems = data.items.size;
    const seenBefore = csrFromCoordinates(
      older.interactions.user,
      older.interactions.item,
      null,
      nUsers,
      nItems,
    );
    const rows: number[] = [];
    const cols: number[] = [];
    for (let e = 0; e < newer.length; e++) {
      if (!isRelevantEvent(newer.eventType[e], newer.rating[e], p.relevanceThreshold)) continue;
      const u = newer.user[e];
      const seen = csrRow(seenBefore, u);
      if (seen.length === 0 || contains(seen, newer.item[e])) continue;
      rows.push(u);
      cols.push(newer.item[e]);
    }
    const positivePairs = csrFromCoordinates(
      Int32Array.from(rows),
      Int32Array.from(cols),
      null,
      nUsers,
      nItems,
    );
    let posUser = new Int32Array(positivePairs.indices.length);
    for (let u = 0; u < nUsers; u++) posUser.fill(u, positivePairs.indptr[u], positivePairs.indptr[u + 1]);
    let posItem = positivePairs.indices;
    if (posUser.length > p.maxPositives) {
      const keep = rng
        .shuffle(Int32Array.from({ length: posUser.length }, (_, k) => k))
        .subarray(0, p.maxPositives);
      keep.sort();
      posUser = Int32Array.from(keep, (k) => posUser[k]);
      posItem = Int32Array.from(keep, (k) => posItem[k]);
    }
    if (posUser.length === 0) {
      throw new InsufficientDataError("no new relevant (user, item) pairs in the ranker's label window");
    }

    // Negatives: items the user touched in neither part.
    const everything = csrFromCoordinates(
      data.interactions.user,
      data.interactions.item,
      null,
      nUsers,
      nItems,
    );
    const itemCounts = new Float64Array(nItems);
    for (let e = 0; e < older.interactions.length; e++) itemCounts[older.interactions.item[e]]++;
    const negatives = sampleNegatives(posUser, {
      interacted: everything,
      ratio: p.negativeRatio,
      mode: p.negatives,
      rng,
      itemWeights: itemCounts,
    });

    const featureNames = rankerFeatureNames(olderFeatures);
    const d = featureNames.length;
    const n = posUser.length + negatives.user.length;
    const X = new Float32Array(n * d);
    const y = new Uint8Array(n);
    for (let r = 0; r < posUser.length; r++) {
      const u = posUser[r];
      const i = posItem[r];
      fillFeatureRow(X, r * d, u, i, olderBase.scorePair(u, i), olderFeatures);
      y[r] = 1;
    }
    for (let r = 0; r < negatives.user.length; r++) {
      const u = negatives.user[r];
      const i = negatives.item[r];
      fillFeatureRow(X, (posUser.length + r) * d, u, i, olderBase.scorePair(u, i), olderFeatures);
    }
    const logistic = fitLogistic(X, y, d, p.logistic);

    const servingBase = base ?? fitBase(data);
    const servingFeatures =
      p.features === 'snapshot'
        ? snapshotFeatures(data)
        : pointInTimeFeatures(data, latestEventTime(data.interactions));
    return new RankerModel(data.users, data.items, p, servingBase, servingFeatures, featureNames, logistic, {
      positives: posUser.length,
      negatives: negatives.user.length,
      baseEvents: older.interactions.length,
      labelEvents: newer.length,
    });
  }

  /** Logistic margins for the base model's top candidates; every other item gets -Infinity. */
  scoreItems(user: number, exclude?: Int32Array): Float32Array {
    const baseScores = this.base.scoreItems(user, exclude);
    const candidates = topK(baseScores, this.params.candidates);
    const out = new Float32Array(this.items.size).fill(Number.NEGATIVE_INFINITY);
    const row = new Float32Array(this.featureNames.length);
    for (let c = 0; c < candidates.length; c++) {
      const item = candidates[c];
      fillFeatureRow(row, 0, user, item, baseScores[item], this.features);
      out[item] = logisticMargin(this.logistic, row);
    }
    return out;
  }

  scorePair(user: number, item: number): number {
    const row = new Float32Array(this.featureNames.length);
    fillFeatureRow(row, 0, user, item, this.base.scorePair(user, item), this.features);
    return logisticMargin(this.logistic, row);
  }

  /** Feature weights on the standardised scale (what the model learned, for run records and docs). */
  weights(): Record<string, number> {
    return Object.fromEntries(this.featureNames.map((name, f) => [name, this.logistic.weights[f]]));
  }

  async save(dir: string): Promise<void> {
    const f = this.features;
    await this.base.save(join(dir, 'base'));
    await writeArtifact(dir, {
      kind: this.kind,
      meta: {
        params: this.params,
        featureNames: this.featureNames,
        userFeatureNames: f.user.names,
        itemFeatureNames: f.item.names,
        categoryShareShape: [f.userCategoryShare.nRows, f.userCategoryShare.nCols],
        logistic: {
          weights: Array.from(this.logistic.weights),
          bias: this.logistic.bias,
          mean: Array.from(this.logistic.mean),
          scale: Array.from(this.logistic.scale),
        },
        summary: this.summary,
      },
      users: this.users,
      items: this.items,
      arrays: {
        user_features: f.user.values,
        item_features: f.item.values,
        user_favorite_category: f.userFavoriteCategory,
        item_category: f.itemCategory,
        category_share_indptr: f.userCategoryShare.indptr,
        category_share_indices: f.userCategoryShare.indices,
        category_share_values: f.userCategoryShare.values,
      },
    });
  }

  static async load(dir: string): Promise<RankerModel> {
    const a = await readArtifact(dir);
    if (a.kind !== 'ranker') throw new Error(`${dir} holds a ${a.kind} model, not ranker`);
    const baseDir = join(dir, 'base');
    const baseKind = await readArtifactKind(baseDir);
    const base =
      baseKind === 'als' ? await ImplicitAls.load(baseDir) : await MatrixFactorization.load(baseDir);
    const meta = a.meta as {
      params: RankerParams;
      featureNames: string[];
      userFeatureNames: string[];
      itemFeatureNames: string[];
      categoryShareShape: [number, number];
      logistic: { weights: number[]; bias: number; mean: number[]; scale: number[] };
      summary: RankerTrainingSummary;
    };
    const f32 = (name: string): Float32Array => {
      const array = a.arrays[name];
      if (!(array instanceof Float32Array)) throw new Error(`${dir}: ${name} missing`);
      return array;
    };
    const i32 = (name: string): Int32Array => {
      const array = a.arrays[name];
      if (!(array instanceof Int32Array)) throw new Error(`${dir}: ${name} missing`);
      return array;
    };
    const features: RankingFeatures = {
      user: { names: meta.userFeatureNames, rows: a.users.size, values: f32('user_features') },
      item: { names: meta.itemFeatureNames, rows: a.items.size, values: f32('item_features') },
      userFavoriteCategory: i32('user_favorite_category'),
      itemCategory: i32('item_category'),
      userCategoryShare: {
        nRows: meta.categoryShareShape[0],
        nCols: meta.categoryShareShape[1],
        indptr: i32('category_share_indptr'),
        indices: i32('category_share_indices'),
        values: f32('category_share_values'),
      },
    };
    const logistic: LogisticModel = {
      weights: Float64Array.from(meta.logistic.weights),
      bias: meta.logistic.bias,
      mean: Float64Array.from(meta.logistic.mean),
      scale: Float64Array.from(meta.logistic.scale),
    };
    return new RankerModel(
      a.users,
      a.items,
      meta.params,
      base,
      features,
      meta.featureNames,
      logistic,
      meta.summary,
    );
  }
}

function rankerFeatureNames(features: RankingFeatures): string[] {
  return [
    'base_score',
    ...features.user.names.map((name) => `user.${name}`),
    ...features.item.names.map((name) => `item.${name}`),
    'category_share',
    'category_match',
  ];
}

/**
 * Writes one (user, item) feature row at `out[offset..]`: base score, user features, item
 * features (count-like ones as log1p), the user's share of events in the item's category, and
 * whether the item's category is the user's favourite (NaN when unknown; imputed as the mean).
 */
function fillFeatureRow(
  out: Float32Array,
  offset: number,
  user: number,
  item: number,
  baseScore: number,
  features: RankingFeatures,
): void {
  let o = offset;
  out[o++] = baseScore;
  const userNames = features.user.names;
  const du = userNames.length;
  const knownUser = user >= 0 && user < features.user.rows;
  for (let f = 0; f < du; f++) {
    const v = knownUser ? features.user.values[user * du + f] : Number.NaN;
    out[o++] = LOG_SCALED.has(userNames[f]) ? Math.log1p(Math.max(0, v)) : v;
  }
  const itemNames = features.item.names;
  const di = itemNames.length;
  for (let f = 0; f < di; f++) {
    const v = features.item.values[item * di + f];
    out[o++] = LOG_SCALED.has(itemNames[f]) ? Math.log1p(Math.max(0, v)) : v;
  }
  const category = features.itemCategory[item];
  if (category < 0 || !knownUser) {
    out[o++] = Number.NaN;
    out[o++] = Number.NaN;
    return;
  }
  const share = features.userCategoryShare;
  let value = 0;
  for (let k = share.indptr[user]; k < share.indptr[user + 1]; k++) {
    if (share.indices[k] === category) {
      value = share.values[k];
      break;
    }
  }
  out[o++] = value;
  const favorite = features.userFavoriteCategory[user];
  out[o++] = favorite < 0 ? Number.NaN : favorite === category ? 1 : 0;
}

function contains(sorted: Int32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === value) return true;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
