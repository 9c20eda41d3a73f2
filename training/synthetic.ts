import type { EventType, FeatureRecord, InteractionRow } from './dataset.js';
import { Rng } from './random.js';

/**
 * Generated data for tests and benchmarks, with structure that a model can find and a test can
 * therefore check: if collaborative filtering cannot beat popularity here, it is broken.
 */

const DAY_MS = 86_400_000;

export interface PlantedOptions {
  users: number;
  items: number;
  /** Number of events to generate (exactly). */
  interactions: number;
  /** Latent taste clusters shared by users and items. */
  clusters?: number;
  seed?: number;
  /** Time span of the events, in days, ending at `end`. */
  days?: number;
  /** Epoch ms of the end of the span. */
  end?: number;
  /** Probability that a user's visit goes to an item of the user's own cluster. */
  affinity?: number;
  /** Probability that a visit also produces an explicit rating. */
  ratingProbability?: number;
  /** Fraction of items whose catalogue category is not their cluster (an imperfect catalogue). */
  categoryNoise?: number;
  /** Zipf exponent of item attention within a cluster (0: every item equally likely). */
  popularitySkew?: number;
  /** How strongly item quality draws attention: weight ∝ exp(qualityAttention · quality). */
  qualityAttention?: number;
  /** Items appear during the span and their attention decays (false: constant attention). */
  lifecycles?: boolean;
  /**
   * `implicit`: funnels of view/click/add_to_cart/purchase/like with some ratings. `explicit`:
   * every visit is one `rate` event (a ratings data set).
   */
  feedback?: 'implicit' | 'explicit';
}

export interface PlantedData {
  rows: InteractionRow[];
  /** Catalogue attributes as item feature records: `category` (and nothing learned from events). */
  itemFeatures: Map<string, FeatureRecord>;
  userCluster: Int32Array;
  itemCluster: Int32Array;
}

/**
 * Implicit events and explicit ratings with planted preference structure:
 *
 * - every user and item belongs to one of `clusters` taste clusters; a visit goes to the user's
 *   own cluster with probability `affinity`, else to a random cluster;
 * - within a cluster, items have Zipf-like popularity and a life cycle: an item appears at a
 *   random time and its attention decays exponentially after that (so what is popular changes,
 *   and recency carries information);
 * - user activity is heavy-tailed (lognormal);
 * - a visit is a funnel: view, then click, add to cart, purchase with decreasing probability
 *   (higher for good items), sometimes a like, sometimes a rating;
 * - ratings = 3.2 + user bias + item quality ± 0.8 for in/out-of-cluster + noise, rounded to 1–5.
 *
 * So: collaborative filtering can learn the clusters (beats popularity), and a ranker that also
 * sees item recency features can beat CF alone.
 */
export function generatePlanted(options: PlantedOptions): PlantedData {
  const nUsers = options.users;
  const nItems = options.items;
  const nClusters = options.clusters ?? 8;
  const rng = new Rng(options.seed ?? 1);
  const days = options.days ?? 60;
  const end = options.end ?? Date.UTC(2024, 6, 1);
  const start = end - days * DAY_MS;
  const affinity = options.affinity ?? 0.8;
  const ratingProbability = options.ratingProbability ?? 0.15;
  const categoryNoise = options.categoryNoise ?? 0.1;
  const popularitySkew = options.popularitySkew ?? 0.5;
  const qualityAttention = options.qualityAttention ?? 2;
  const lifecycles = options.lifecycles ?? true;
  const explicit = options.feedback === 'explicit';

  const userCluster = new Int32Array(nUsers);
  const userActivity = new Float64Array(nUsers);
  const userBias = new Float64Array(nUsers);
  for (let u = 0; u < nUsers; u++) {
    userCluster[u] = rng.int(nClusters);
    userActivity[u] = Math.exp(1.0 * rng.normal());
    userBias[u] = 0.4 * rng.normal();
  }
  const itemCluster = new Int32Array(nItems);
  const itemWeight = new Float64Array(nItems);
  const itemBirth = new Float64Array(nItems);
  const itemLifetime = new Float64Array(nItems);
  const itemQuality = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    itemCluster[i] = rng.int(nClusters);
    itemQuality[i] = 0.5 * rng.normal();
    // Zipf-like popularity (weight ∝ rank^-skew), and better items draw more attention.
    itemWeight[i] =
      Math.pow(1 + rng.int(nItems), -popularitySkew) * Math.exp(qualityAttention * itemQuality[i]);
    // Half the catalogue exists before the span starts; the rest appears during it.
    itemBirth[i] = start - days * DAY_MS * 0.5 + rng.float() * days * DAY_MS * 1.5;
    itemLifetime[i] = DAY_MS * (10 + 50 * rng.float());
  }
  const clusterItems: number[][] = Array.from({ length: nClusters }, () => []);
  for (let i = 0; i < nItems; i++) clusterItems[itemCluster[i]].push(i);

  // Per day and cluster: cumulative attention of the cluster's items on that day.
  const dayCumulative: Float64Array[][] = [];
  for (let d = 0; d < days; d++) {
    const t = start + (d + 0.5) * DAY_MS;
    const perCluster: Float64Array[] = [];
    for (let c = 0; c < nClusters; c++) {
      const members = clusterItems[c];
      const cumulative = new Float64Array(members.length);
      let total = 0;
      for (let m = 0; m < members.length; m++) {
        const i = members[m];
        const age = t - itemBirth[i];
        // Items older than the span start keep a floor of attention (catalogue classics).
        const attention = !lifecycles
          ? itemWeight[i]
          : age < 0
            ? 0
            : itemWeight[i] * (0.2 + Math.exp(-age / itemLifetime[i]));
        total += attention;
        cumulative[m] = total;
      }
      perCluster.push(cumulative);
    }
    dayCumulative.push(perCluster);
  }
  const userCumulative = cumulativeOf(userActivity);

  const rows: InteractionRow[] = [];
  const push = (u: number, i: number, type: EventType, t: number, rating: number | null): void => {
    if (rows.length < options.interactions) {
      rows.push({ user_id: `u${u}`, item_id: `i${i}`, event_type: type, rating, event_time: Math.round(t) });
    }
  };
  while (rows.length < options.interactions) {
    const u = sampleCumulative(userCumulative, rng);
    const d = rng.int(days);
    const cluster = rng.float() < affinity ? userCluster[u] : rng.int(nClusters);
    const cumulative = dayCumulative[d][cluster];
    if (cumulative.length === 0 || cumulative[cumulative.length - 1] <= 0) continue;
    const i = clusterItems[cluster][sampleCumulative(cumulative, rng)];
    const inCluster = cluster === userCluster[u];
    let t = start + d * DAY_MS + rng.float() * DAY_MS * 0.9;
    const step = (): number => (t += 1000 + rng.float() * 120_000);
    const rating = (): number => {
      const raw = 3.2 + userBias[u] + itemQuality[i] + (inCluster ? 0.8 : -0.8) + 0.6 * rng.normal();
      return Math.min(5, Math.max(1, Math.round(raw)));
    };
    if (explicit) {
      push(u, i, 'rate', t, rating());
      continue;
    }
    const appeal = (inCluster ? 1 : 0.3) * Math.exp(itemQuality[i]);
    push(u, i, 'view', t, null);
    if (rng.float() < Math.min(0.9, 0.3 * appeal)) {
      push(u, i, 'click', step(), null);
      if (rng.float() < Math.min(0.9, 0.3 * appeal)) {
        push(u, i, 'add_to_cart', step(), null);
        if (rng.float() < 0.5) push(u, i, 'purchase', step(), null);
      }
    }
    if (rng.float() < 0.05 * appeal) push(u, i, 'like', step(), null);
    if (rng.float() < ratingProbability) push(u, i, 'rate', step(), rating());
  }
  rows.sort((a, b) => a.event_time - b.event_time);

  const nCategories = nClusters;
  const itemFeatures = new Map<string, FeatureRecord>();
  for (let i = 0; i < nItems; i++) {
    const category = rng.float() < categoryNoise ? rng.int(nCategories) : itemCluster[i];
    itemFeatures.set(`i${i}`, { category: `cat-${category}` });
  }
  return { rows, itemFeatures, userCluster, itemCluster };
}

export interface MovieLensShapedOptions {
  seed?: number;
  users?: number;
  items?: number;
  ratings?: number;
}

/**
 * Explicit ratings shaped like MovieLens-100k (943 users, 1,682 items, 100,000 ratings 1–5, every
 * user with at least 20 ratings), for benchmarks where the real file is not available. It is
 * calibrated to ML-100k's marginals: rating mean 3.54 and standard deviation 1.12 (real: 3.53,
 * 1.13; histogram 1–5: 4/14/28/30/23% against the real 6/11/27/34/21%), heavy-tailed user
 * activity (at least 20, median ≈ 72, at most 737 ratings per user, as the real data) and item
 * popularity (median ≈ 35 ratings, a long tail of rarely rated items, the most rated ≈ 500 against
 * the real 583). Ratings come from a biased rank-8 model plus noise, most of the explainable
 * variance in the biases as in the real data. Error figures on it are not the figures of the real
 * data set — its noise level was chosen, not measured — only the shape (and so the work per epoch)
 * is the same.
 */
export function generateMovieLensShaped(options: MovieLensShapedOptions = {}): InteractionRow[] {
  const nUsers = options.users ?? 943;
  const nItems = options.items ?? 1682;
  const nRatings = options.ratings ?? 100_000;
  const rng = new Rng(options.seed ?? 1);
  const rank = 8;

  // Ratings per user: 20 + lognormal tail, rescaled to add up to nRatings exactly.
  const extra = new Float64Array(nUsers);
  let extraTotal = 0;
  for (let u = 0; u < nUsers; u++) {
    extra[u] = Math.exp(3.6 + 1.05 * rng.normal());
    extraTotal += extra[u];
  }
  const perUser = new Int32Array(nUsers);
  const maxPerUser = Math.min(737, Math.floor(nItems * 0.6)); // ML-100k's most active user: 737
  let assigned = 0;
  const budget = nRatings - 20 * nUsers;
  for (let u = 0; u < nUsers; u++) {
    perUser[u] = 20 + Math.floor((extra[u] / extraTotal) * budget);
    perUser[u] = Math.min(perUser[u], maxPerUser);
    assigned += perUser[u];
  }
  for (let u = 0; assigned < nRatings; u = (u + 1) % nUsers) {
    if (perUser[u] < maxPerUser) {
      perUser[u]++;
      assigned++;
    }
  }

  // Item popularity: lognormal weights (a long tail of rarely-rated items).
  const itemWeight = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) itemWeight[i] = Math.exp(Math.min(3.3, 1.25 * rng.normal()));
  const userBias = new Float64Array(nUsers);
  const userFactors = new Float64Array(nUsers * rank);
  for (let u = 0; u < nUsers; u++) {
    userBias[u] = 0.55 * rng.normal();
    for (let f = 0; f < rank; f++) userFactors[u * rank + f] = 0.26 * rng.normal();
  }
  // Popular items are rated somewhat higher, as in the real data.
  let meanLogWeight = 0;
  for (let i = 0; i < nItems; i++) meanLogWeight += Math.log(itemWeight[i]) / nItems;
  const itemBias = new Float64Array(nItems);
  const itemFactors = new Float64Array(nItems * rank);
  for (let i = 0; i < nItems; i++) {
    itemBias[i] = 0.55 * rng.normal() + 0.15 * (Math.log(itemWeight[i]) - meanLogWeight);
    for (let f = 0; f < rank; f++) itemFactors[i * rank + f] = 0.26 * rng.normal();
  }

  const start = Date.UTC(1997, 8, 20);
  const span = Date.UTC(1998, 3, 23) - start;
  const rows: InteractionRow[] = [];
  const cumulative = cumulativeOf(itemWeight);
  const taken = new Uint8Array(nItems);
  for (let u = 0; u < nUsers; u++) {
    const chosen: number[] = [];
    // Sampling without replacement by rejection: cheap while a user rates < 60% of the catalogue.
    while (chosen.length < perUser[u]) {
      const i = sampleCumulative(cumulative, rng);
      if (taken[i]) continue;
      taken[i] = 1;
      chosen.push(i);
    }
    const userStart = start + rng.float() * span * 0.8;
    for (const i of chosen) {
      taken[i] = 0;
      let dot = 0;
      for (let f = 0; f < rank; f++) dot += userFactors[u * rank + f] * itemFactors[i * rank + f];
      const raw = 3.4 + userBias[u] + itemBias[i] + dot + 0.92 * rng.normal();
      rows.push({
        user_id: String(u + 1),
        item_id: String(i + 1),
        event_type: 'rate',
        rating: Math.min(5, Math.max(1, Math.round(raw))),
        event_time: Math.round(userStart + rng.float() * (start + span - userStart)),
      });
    }
  }
  return rows;
}

function cumulativeOf(weights: Float64Array): Float64Array {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  for (let k = 0; k < weights.length; k++) {
    total += weights[k];
    cumulative[k] = total;
  }
  return cumulative;
}

/** Index k with probability weight[k] / total, by binary search on the cumulative weights. */
function sampleCumulative(cumulative: Float64Array, rng: Rng): number {
  const target = rng.float() * cumulative[cumulative.length - 1];
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
