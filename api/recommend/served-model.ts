import { topK } from '../../training/topk.js';
import type { ItemRecommender, Recommendations, ServedModel, ServedModelSource } from './types.js';

/**
 * Recommendations from the model training promoted, falling back to `fallback` (popularity)
 * while none is promoted or when the served model cannot be had.
 */
export class ServedModelRecommender implements ItemRecommender {
  constructor(
    private readonly source: ServedModelSource,
    private readonly fallback: ItemRecommender,
  ) {}

  async recommend(userId: string, k: number, exclude: ReadonlySet<string>): Promise<Recommendations> {
    const served = await this.source.current();
    if (!served) return this.fallback.recommend(userId, k, exclude);
    return recommendWith(served, userId, k, exclude);
  }
}

/** Top-k of one model for one user; a user the model never saw gets its cold-start scores. */
export function recommendWith(
  served: ServedModel,
  userId: string,
  k: number,
  exclude: ReadonlySet<string>,
): Recommendations {
  const { model } = served;
  const excluded: number[] = [];
  for (const id of exclude) {
    const index = model.items.indexOf(id);
    if (index >= 0) excluded.push(index);
  }
  excluded.sort((a, b) => a - b);
  const scores = model.scoreItems(model.users.indexOf(userId), Int32Array.from(excluded));
  const best = topK(scores, k);
  const items = Array.from(best, (i) => ({ item_id: model.items.idAt(i), score: scores[i]! }));
  return { model: model.kind, run_id: served.runId, items };
}
