import type { Redis } from 'ioredis';
import { readPopularItems } from '../../sinks/redis/indexes.js';
import type { ItemRecommender, Recommendations, ScoredItem } from './types.js';

/** The most popular items of the active feature version, best first. */
export interface PopularItemsSource {
  top(limit: number): Promise<{ version: string | null; items: readonly ScoredItem[] }>;
}

/**
 * Items ranked by `popularity_score` at the pipeline clock, from the popularity index the item
 * processor keeps in Redis (sinks/redis/indexes.ts): one script call reads the active version, its
 * clock and the top of the ranking, so every request sees the current ranking and nothing is
 * cached or scanned.
 */
export class RedisPopularItems implements PopularItemsSource {
  constructor(private readonly redis: Redis) {}

  async top(limit: number): Promise<{ version: string | null; items: readonly ScoredItem[] }> {
    if (this.redis.status !== 'ready') {
      throw new Error(`the feature store (Redis) is unreachable (connection ${this.redis.status})`);
    }
    const { version, items } = await readPopularItems(this.redis, limit);
    return { version, items };
  }
}

/** Every user gets the most popular items they have not purchased. */
export class PopularityRecommender implements ItemRecommender {
  constructor(private readonly source: PopularItemsSource) {}

  async recommend(_userId: string, k: number, exclude: ReadonlySet<string>): Promise<Recommendations> {
    const { items } = await this.source.top(k + exclude.size);
    const out: ScoredItem[] = [];
    for (const item of items) {
      if (exclude.has(item.item_id)) continue;
      out.push(item);
      if (out.length === k) break;
    }
    return { model: 'popularity', run_id: null, items: out };
  }
}
