import type { Redis } from 'ioredis';
import { POPULARITY_HALF_LIFE_MS, type DecayedSum } from './feature-state.js';
import { CLOCK_MEMBER, KEY_ROOT, keys } from './keys.js';
import { LuaScript } from './script.js';
import { decodeItemState, type RawHash } from './state-codec.js';

/**
 * The two indexes the processors keep beside the entity states, for recommendations
 * (docs/REDIS.md, "Indexes"): every item ranked by popularity, and the items each user purchased.
 * Both are written in the batch's MULTI/EXEC with the states they derive from, so they are exactly
 * as current as the features.
 *
 * The popularity ranking never needs rewriting as the clock moves. An item's popularity_score at
 * clock c is value · 2^(−(c − ref)/H) (a decayed sum as of its latest event time ref, half-life H),
 * so log2 of it is log2(value) + ref/H − c/H: at any one clock, every item's log2 popularity is
 * its own constant minus the same c/H. Ordering items by that constant orders them by
 * popularity_score at every clock, and the constant changes only when the item's own value or ref
 * does — when one of its events is applied, which is when its state is written. The score is the
 * constant negated, so that ZRANGE from the lowest score lists the most popular first and ties
 * (equal scores) come in ascending item id, the order the API has always used.
 *
 * Precision: ref/H is about 2·10^4 for today's dates, where a double's spacing is 3.6·10^−12; two
 * items whose popularity differs by less than a relative 10^−11 may be ranked either way (as the
 * computed popularity_score itself may, whose own rounding is of the same size).
 */

export const INDEX = { itemPopularity: 'item-popularity', userPurchased: 'user-purchased' } as const;
export type IndexName = (typeof INDEX)[keyof typeof INDEX];
export const INDEX_COMPLETE = 'complete';

/** Score of an item in the popularity index: lower ranks first, at every clock. */
export function popularityRank(sum: DecayedSum): number {
  return -(Math.log2(sum.value) + sum.ref / POPULARITY_HALF_LIFE_MS);
}

/** popularity_score at `clock` of an item whose index score is `rank`. */
export function popularityFromRank(rank: number, clock: number): number {
  return Math.pow(2, -rank - clock / POPULARITY_HALF_LIFE_MS);
}

/** Whether a decayed sum can be ranked (an item with at least one event always can). */
export function rankable(sum: DecayedSum): boolean {
  return sum.value > 0 && Number.isFinite(sum.ref);
}

const RESOLVE_VERSION = `
local version = ARGV[1]
if version == '' then
  version = redis.call('GET', '${keys.activeVersion}')
  if not version then return {false, false, {}} end
end`;

const TOP_SCRIPT = new LuaScript(`${RESOLVE_VERSION}
local clock = redis.call('ZSCORE', '${KEY_ROOT}:' .. version .. ':clock', '${CLOCK_MEMBER}')
local n = tonumber(ARGV[2])
local top = {}
if n > 0 then
  top = redis.call('ZRANGE', '${KEY_ROOT}:' .. version .. ':${INDEX.itemPopularity}', 0, n - 1, 'WITHSCORES')
end
return {version, clock, top}
`);

const PURCHASED_SCRIPT = new LuaScript(`${RESOLVE_VERSION}
local complete = redis.call('HGET', '${KEY_ROOT}:' .. version .. ':indexes', '${INDEX.userPurchased}')
return {version, complete, redis.call('SMEMBERS', '${KEY_ROOT}:' .. version .. ':${INDEX.userPurchased}:' .. ARGV[2])}
`);

export interface PopularItems {
  /** The version read; null when none is active. */
  version: string | null;
  /** Its pipeline clock, at which the scores are evaluated. */
  clock: number | null;
  /** Best first: the item and its popularity_score at `clock`. */
  items: { item_id: string; score: number }[];
}

/** The `limit` most popular items of a version (default: the active one): one script call. */
export async function readPopularItems(redis: Redis, limit: number, version?: string): Promise<PopularItems> {
  const reply = (await TOP_SCRIPT.runBuffer(redis, [], [version ?? '', Math.max(0, limit)])) as [
    Buffer | null,
    Buffer | null,
    Buffer[],
  ];
  if (reply[0] === null) return { version: null, clock: null, items: [] };
  const clock = reply[1] === null ? null : Number(reply[1].toString());
  const flat = reply[2];
  const items: PopularItems['items'] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const rank = Number(flat[i + 1]!.toString());
    items.push({ item_id: flat[i]!.toString(), score: clock === null ? 0 : popularityFromRank(rank, clock) });
  }
  return { version: reply[0].toString(), clock, items };
}

export interface PurchasedItems {
  version: string | null;
  /** False when the version predates the index (a store written by an earlier recostream). */
  indexed: boolean;
  items: string[];
}

/** The items `userId` purchased, from a version's index (default: the active version). */
export async function readPurchasedItems(
  redis: Redis,
  userId: string,
  version?: string,
): Promise<PurchasedItems> {
  const reply = (await PURCHASED_SCRIPT.runBuffer(redis, [], [version ?? '', userId])) as [
    Buffer | null,
    Buffer | null,
    Buffer[],
  ];
  return {
    version: reply[0] === null ? null : reply[0].toString(),
    indexed: reply[1] !== null && reply[1].toString() === INDEX_COMPLETE,
    items: reply[2].map((b) => b.toString()),
  };
}

export async function indexComplete(redis: Redis, version: string, index: IndexName): Promise<boolean> {
  return (await redis.hget(keys.indexes(version), index)) === INDEX_COMPLETE;
}

/**
 * Fills the popularity index of a version written before it existed, from the stored item states
 * (either state format), then marks it complete. ZADD NX: a rank written meanwhile by a running
 * item processor is newer than the state read here, and stays. Returns the items added, or null
 * when the index was complete already.
 */
export async function buildPopularityIndex(redis: Redis, version: string): Promise<number | null> {
  if (await indexComplete(redis, version, INDEX.itemPopularity)) return null;
  const prefix = keys.entity(version, 'item', '');
  let added = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length === 0) continue;
    const read = redis.pipeline();
    for (const key of found) read.hgetallBuffer(key);
    const replies = (await read.exec()) ?? [];
    const args: (string | number)[] = [];
    found.forEach((key, i) => {
      const [err, hash] = replies[i] ?? [new Error('missing pipeline reply'), null];
      if (err) throw err;
      const state = decodeItemState(hash as RawHash);
      if (state !== null && rankable(state.popularity)) {
        args.push(popularityRank(state.popularity), key.slice(prefix.length));
      }
    });
    if (args.length > 0) added += await redis.zadd(keys.itemPopularity(version), 'NX', ...args);
  } while (cursor !== '0');
  await redis.hset(keys.indexes(version), INDEX.itemPopularity, INDEX_COMPLETE);
  return added;
}
