import type { IdIndex } from '../dataset.js';

export type ModelKind = 'popularity' | 'mf' | 'als' | 'ranker';
export const MODEL_KINDS: readonly ModelKind[] = ['popularity', 'mf', 'als', 'ranker'];

/**
 * What every model offers to evaluation and serving. Indices are those of `users` / `items`
 * (the data set's id indices at fit time); a user index of -1, or one the model never saw in
 * training, is a cold-start user and gets the model's non-personal scores.
 */
export interface Recommender {
  readonly kind: ModelKind;
  readonly users: IdIndex;
  readonly items: IdIndex;
  /**
   * One score per item, higher is better. Items in `exclude` (ascending indices, e.g. what the
   * user already has) get -Infinity; so may items a model does not rank at all.
   */
  scoreItems(user: number, exclude?: Int32Array): Float32Array;
  /** The score of one (user, item) pair, on the same scale as `scoreItems`. */
  scorePair(user: number, item: number): number;
  save(dir: string): Promise<void>;
}

/** Models that predict explicit ratings (evaluated with RMSE/MAE). */
export interface RatingPredictor {
  predictRating(user: number, item: number): number;
}

export function isRatingPredictor(model: Recommender): model is Recommender & RatingPredictor {
  return typeof (model as Partial<RatingPredictor>).predictRating === 'function';
}

/** Sets `scores[i] = -Infinity` for every i in `exclude`. */
export function applyExclusions(scores: Float32Array, exclude: Int32Array | undefined): Float32Array {
  if (exclude) for (let k = 0; k < exclude.length; k++) scores[exclude[k]] = Number.NEGATIVE_INFINITY;
  return scores;
}

/** A model cannot be fitted because the data is too small for it (not a bug: the run goes on without it). */
export class InsufficientDataError extends Error {
  override readonly name = 'InsufficientDataError';
}
