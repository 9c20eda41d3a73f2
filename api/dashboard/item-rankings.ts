import type { Redis } from 'ioredis';
import { keys } from '../../sinks/redis/keys.js';
import type { FeatureReader } from '../../sinks/redis/reader.js';

/** The item fields the dashboard's top and trending tables show. */
export interface RankedItem {
  item_id: string;
  popularity_score: number;
  trending_score: number | null;
  cnt_24h: number;
  cnt_7d: number;
  total_interactions: number;
}

export interface ItemRankings {
  version: string | null;
  /** The version's pipeline clock, against which the windowed scores were evaluated. */
  clock: number | null;
  items_ranked: number;
  /** By popularity_score, best first. */
  top: RankedItem[];
  /** By trending_score (items with one), best first. */
  trending: RankedItem[];
}

const FIELDS = ['popularity_score', 'trending_score', 'cnt_24h', 'cnt_7d', 'total_interactions'] as const;
const READ_CHUNK = 500;

function ranked(items: RankedItem[], score: (i: RankedItem) => number | null, keep: number): RankedItem[] {
  return items
    .filter((i) => score(i) !== null)
    .sort((a, b) => score(b)! - score(a)! || (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0))
    .slice(0, keep);
}

/**
 * Ranks the active version's items by popularity and by trend. Redis keeps no ranking index, so
 * this is one SCAN over the item keys and a batched read of five fields each: callers cache it
 * (the dashboard recomputes it at most every few seconds).
 */
export async function rankItems(redis: Redis, features: FeatureReader, keep: number): Promise<ItemRankings> {
  const { version, clock } = await features.resolveVersion();
  if (version === null) return { version: null, clock: null, items_ranked: 0, top: [], trending: [] };
  const prefix = keys.entity(version, 'item', '');
  const ids: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) ids.push(key.slice(prefix.length));
  } while (cursor !== '0');

  let top: RankedItem[] = [];
  let trending: RankedItem[] = [];
  let count = 0;
  for (let i = 0; i < ids.length; i += READ_CHUNK) {
    const records = await features.readItemFeatures(ids.slice(i, i + READ_CHUNK), {
      version,
      fields: [...FIELDS],
    });
    const items: RankedItem[] = [];
    for (const r of records) {
      if (!r) continue;
      items.push({
        item_id: r.item_id,
        popularity_score: r.popularity_score,
        trending_score: r.trending_score,
        cnt_24h: r.cnt_24h,
        cnt_7d: r.cnt_7d,
        total_interactions: r.total_interactions,
      });
    }
    count += items.length;
    // Only the best `keep` of each ranking are kept between chunks: memory stays small.
    top = ranked([...top, ...items], (x) => x.popularity_score, keep);
    trending = ranked([...trending, ...items], (x) => x.trending_score, keep);
  }
  return { version, clock, items_ranked: count, top, trending };
}
