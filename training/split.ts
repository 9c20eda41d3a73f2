import { orderByTime, type Interactions } from './dataset.js';
import { permutation, Rng } from './random.js';

/** A split as event indices into the full data set's interactions. */
export interface Split {
  readonly train: Int32Array;
  readonly validation: Int32Array;
  readonly test: Int32Array;
}

export interface TemporalFractions {
  train: number;
  validation: number;
  test: number;
}

export const DEFAULT_TEMPORAL_FRACTIONS: Readonly<TemporalFractions> = Object.freeze({
  train: 0.7,
  validation: 0.1,
  test: 0.2,
});

/**
 * Temporal split: events ordered by event time, the oldest `train` fraction for training, the
 * next `validation` fraction, the newest `test` fraction. This is how a model is used — trained on
 * the past, asked about the future — so it never sees the future it is graded on.
 *
 * Events that share a timestamp never straddle a boundary: a cut that falls inside a run of equal
 * times moves to the end of that run. So every validation event is strictly later than every
 * train event, and every test event strictly later than every validation event.
 */
export function temporalSplit(
  interactions: Interactions,
  fractions: TemporalFractions = DEFAULT_TEMPORAL_FRACTIONS,
): Split {
  const { train, validation, test } = fractions;
  for (const [name, value] of Object.entries(fractions)) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`fraction ${name} must be in [0, 1], got ${value}`);
  }
  const total = train + validation + test;
  if (Math.abs(total - 1) > 1e-9) throw new RangeError(`fractions must add up to 1, got ${total}`);
  const order = orderByTime(interactions);
  const n = order.length;
  const trainEnd = cutAfterTies(order, interactions.time, Math.round(n * train));
  const validationEnd = Math.max(
    trainEnd,
    cutAfterTies(order, interactions.time, Math.round(n * (train + validation))),
  );
  return {
    train: order.slice(0, trainEnd),
    validation: order.slice(trainEnd, validationEnd),
    test: order.slice(validationEnd),
  };
}

/**
 * Splits time-ordered events at `fraction`: returns [older, newer] with the same tie rule as
 * `temporalSplit` (used where one data set is split once more, e.g. the ranker's label window).
 */
export function splitByTime(interactions: Interactions, fraction: number): [Int32Array, Int32Array] {
  const order = orderByTime(interactions);
  const cut = cutAfterTies(order, interactions.time, Math.round(order.length * fraction));
  return [order.slice(0, cut), order.slice(cut)];
}

/** Moves `cut` forward past events with the same time as the event just before it. */
function cutAfterTies(order: Int32Array, time: Float64Array, cut: number): number {
  if (cut <= 0) return 0;
  let end = Math.min(cut, order.length);
  const boundary = time[order[end - 1]];
  while (end < order.length && time[order[end]] === boundary) end++;
  return end;
}

export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * Seeded random K-fold cross-validation over events: a seeded shuffle, then K contiguous blocks
 * of the shuffled order as test sets (sizes differ by at most one). Every event is in exactly one
 * test set and in the train set of the other K-1 folds. This is the protocol of published
 * rating-prediction tables (e.g. Surprise's `cross_validate(cv=5)`).
 */
export function kfold(n: number, k = 5, seed = 0): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`kfold needs an integer k >= 2, got ${k}`);
  if (n < k) throw new RangeError(`kfold needs at least k=${k} events, got ${n}`);
  const order = permutation(n, new Rng(seed));
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const start = Math.floor((f * n) / k);
    const end = Math.floor(((f + 1) * n) / k);
    const test = order.slice(start, end).sort();
    const train = new Int32Array(n - (end - start));
    train.set(order.subarray(0, start), 0);
    train.set(order.subarray(end), start);
    train.sort();
    folds.push({ train, test });
  }
  return folds;
}
