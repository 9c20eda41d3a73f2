import { csrHas, type Csr } from './matrix.js';
import type { Rng } from './random.js';

/**
 * How negatives are drawn: `uniform` over the catalogue, or `popularity` — proportional to each
 * item's interaction count — which yields harder negatives (popular items the user skipped) and
 * keeps a model from learning "popular = positive" alone.
 */
export type NegativeSampling = 'uniform' | 'popularity';

export interface NegativeSamplingOptions {
  /** Users' interacted items (rows = users, ascending item indices): never drawn as negatives. */
  interacted: Csr;
  /** Negatives per positive. */
  ratio: number;
  mode: NegativeSampling;
  rng: Rng;
  /** Per-item weights for `popularity` mode (e.g. interaction counts); required in that mode. */
  itemWeights?: Float64Array | Float32Array | Int32Array;
  /** Draws tried per negative before giving up on a user that has seen (almost) everything. */
  maxAttempts?: number;
}

export interface Pairs {
  readonly user: Int32Array;
  readonly item: Int32Array;
}

/**
 * For each positive's user, `ratio` items that user never interacted with. Rejection sampling:
 * draw, reject when the user has the item (binary search in the CSR row). With sparse data almost
 * every draw is accepted; a user who has seen nearly the whole catalogue gets fewer negatives
 * rather than an endless loop.
 */
export function sampleNegatives(positiveUsers: Int32Array, options: NegativeSamplingOptions): Pairs {
  const { interacted, ratio, mode, rng } = options;
  const nItems = interacted.nCols;
  const maxAttempts = options.maxAttempts ?? 50;
  if (!(Number.isInteger(ratio) && ratio >= 0)) throw new RangeError(`ratio must be a non-negative integer`);
  const draw =
    mode === 'popularity' ? popularityDraw(options.itemWeights, nItems, rng) : () => rng.int(nItems);
  const users = new Int32Array(positiveUsers.length * ratio);
  const items = new Int32Array(positiveUsers.length * ratio);
  let n = 0;
  for (let p = 0; p < positiveUsers.length; p++) {
    const user = positiveUsers[p];
    for (let r = 0; r < ratio; r++) {
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const item = draw();
        if (!csrHas(interacted, user, item)) {
          users[n] = user;
          items[n] = item;
          n++;
          break;
        }
      }
    }
  }
  return { user: users.slice(0, n), item: items.slice(0, n) };
}

/** Inverse-CDF sampling: cumulative weights, then a binary search for a uniform draw. */
function popularityDraw(
  weights: Float64Array | Float32Array | Int32Array | undefined,
  nItems: number,
  rng: Rng,
): () => number {
  if (weights === undefined || weights.length !== nItems) {
    throw new RangeError('popularity sampling needs itemWeights with one weight per item');
  }
  const cumulative = new Float64Array(nItems);
  let total = 0;
  for (let i = 0; i < nItems; i++) {
    total += Math.max(0, weights[i]);
    cumulative[i] = total;
  }
  if (total <= 0) return () => rng.int(nItems);
  return () => {
    const target = rng.float() * total;
    let lo = 0;
    let hi = nItems - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}
