import type { Recommender } from './models/types.js';
import { topK } from './topk.js';

export interface Recommendation {
  item_id: string;
  score: number;
}

export interface RecommendOptions {
  /** Item ids not to recommend (e.g. the user's recent items from the online store). */
  exclude?: Iterable<string>;
  /**
   * Model for users the main model has never seen (cold start), typically the popularity
   * baseline; without one such users get an empty list.
   */
  fallback?: Recommender;
}

/**
 * Top-k items for a user id, best first: the serving-side use of a model, in string ids. The
 * user's training items are not excluded implicitly: the caller decides what the user "has".
 */
export function recommend(
  model: Recommender,
  userId: string,
  k: number,
  options: RecommendOptions = {},
): Recommendation[] {
  const user = model.users.indexOf(userId);
  const scorer = user < 0 ? options.fallback : model;
  if (!scorer) return [];
  const exclude: number[] = [];
  for (const id of options.exclude ?? []) {
    const item = scorer.items.indexOf(id);
    if (item >= 0) exclude.push(item);
  }
  exclude.sort((a, b) => a - b);
  const scores = scorer.scoreItems(user < 0 ? -1 : user, Int32Array.from(exclude));
  return Array.from(topK(scores, k), (item) => ({ item_id: scorer.items.idAt(item), score: scores[item] }));
}
