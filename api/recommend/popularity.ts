import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/logger.js';
import type { FeatureReader } from '../../sinks/redis/reader.js';
import { keys } from '../../sinks/redis/keys.js';
import type { ItemRecommender, Recommendations, ScoredItem } from './types.js';

/** The most popular items of the active feature version, best first. */
export interface PopularItemsSource {
  top(limit: number): Promise<{ version: string | null; items: readonly ScoredItem[] }>;
}

export interface PopularItemsOptions {
  /** How long a computed ranking is served before it is recomputed in the background. */
  refreshMs?: number;
  /** How many items the ranking keeps (the largest k plus exclusions it can serve). */
  keep?: number;
  logger: Logger;
}

interface Ranking {
  version: string | null;
  computedAt: number;
  items: ScoredItem[];
}

const READ_CHUNK = 500;

function byScoreThenId(a: ScoredItem, b: ScoredItem): number {
  return b.score - a.score || (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0);
}

/**
 * Items ranked by `popularity_score` evaluated against the pipeline clock (the feature reader does
 * that), from the item states in Redis. Redis keeps no popularity index yet, so the ranking comes
 * from one SCAN over the version's item keys and is cached for `refreshMs`: requests never wait
 * for a recomputation once a first ranking exists, they get the previous one while it runs.
 */
export class RedisPopularItems implements PopularItemsSource {
  private ranking: Ranking | null = null;
  private computing: Promise<Ranking> | null = null;
  private readonly refreshMs: number;
  private readonly keep: number;

  constructor(
    private readonly redis: Redis,
    private readonly features: FeatureReader,
    private readonly options: PopularItemsOptions,
  ) {
    this.refreshMs = options.refreshMs ?? 10_000;
    this.keep = options.keep ?? 1_000;
  }

  async top(limit: number): Promise<{ version: string | null; items: readonly ScoredItem[] }> {
    let ranking = this.ranking;
    const stale = !ranking || Date.now() - ranking.computedAt > this.refreshMs;
    if (stale) {
      const next = this.recompute();
      if (!ranking) ranking = await next;
    }
    return { version: ranking!.version, items: ranking!.items.slice(0, limit) };
  }

  /** Forgets the cached ranking (after a version switch, or in tests). */
  invalidate(): void {
    this.ranking = null;
  }

  private recompute(): Promise<Ranking> {
    this.computing ??= this.compute()
      .then((ranking) => {
        this.ranking = ranking;
        return ranking;
      })
      .catch((err: unknown) => {
        this.options.logger.warn({ err }, 'could not rank items by popularity');
        throw err;
      })
      .finally(() => {
        this.computing = null;
      });
    return this.computing;
  }

  private async compute(): Promise<Ranking> {
    const { version } = await this.features.resolveVersion();
    if (version === null) return { version: null, computedAt: Date.now(), items: [] };
    const prefix = keys.entity(version, 'item', '');
    const ids: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of found) ids.push(key.slice(prefix.length));
    } while (cursor !== '0');

    const ranked: ScoredItem[] = [];
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      const chunk = ids.slice(i, i + READ_CHUNK);
      const records = await this.features.readItemFeatures(chunk, { version, fields: ['popularity_score'] });
      for (const record of records) {
        if (record) ranked.push({ item_id: record.item_id, score: record.popularity_score });
      }
      if (ranked.length > this.keep * 4) this.trim(ranked);
    }
    this.trim(ranked);
    return { version, computedAt: Date.now(), items: ranked };
  }

  private trim(ranked: ScoredItem[]): void {
    ranked.sort(byScoreThenId);
    if (ranked.length > this.keep) ranked.length = this.keep;
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
