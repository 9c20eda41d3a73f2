/**
 * Every Redis key recostream writes, in one place (docs/REDIS.md explains each). Keys of one
 * feature version share the prefix `rs:<version>:` so a version is dropped with one SCAN pattern;
 * an entity id always comes last, after a kind segment of its own, so no id (whatever characters
 * it holds) can collide with another key.
 */

export const KEY_ROOT = 'rs';

export type EntityKind = 'user' | 'item';

/** Which processor owns an offset or dedupe key. */
export type ProcessorName = 'user-features' | 'item-features';

export const keys = {
  /** String: the version readers use when they do not name one. */
  activeVersion: `${KEY_ROOT}:active-version`,
  /** Hash: version -> JSON metadata (created_at, switched_at). */
  versions: `${KEY_ROOT}:versions`,
  /** Hash: one entity's state (fields: sinks/redis/state-codec.ts). */
  entity: (version: string, kind: EntityKind, id: string) => `${KEY_ROOT}:${version}:${kind}:${id}`,
  /**
   * Set: what one entity has seen, for exact distinct counts. A user's members are `i:<item_id>`
   * and `d:<UTC day number>`; an item's are `u:<user_id>`.
   */
  seen: (version: string, kind: EntityKind, id: string) => `${KEY_ROOT}:${version}:${kind}-seen:${id}`,
  /**
   * Sorted set: every item of the version, scored so that ZRANGE from the lowest score lists them
   * by popularity_score at any clock, best first (sinks/redis/indexes.ts, popularityRank).
   */
  itemPopularity: (version: string) => `${KEY_ROOT}:${version}:item-popularity`,
  /** Set: the ids of the items one user purchased. */
  purchased: (version: string, userId: string) => `${KEY_ROOT}:${version}:user-purchased:${userId}`,
  /**
   * Hash: index name (`item-popularity`, `user-purchased`) -> `complete` once the index holds
   * every entity of the version (from the version's start, or after a rebuild).
   */
  indexes: (version: string) => `${KEY_ROOT}:${version}:indexes`,
  /** Sorted set with one member, `clock`, scored by the pipeline clock (epoch ms); ZADD GT only. */
  clock: (version: string) => `${KEY_ROOT}:${version}:clock`,
  /** String: the last input offset applied from one partition (the WATCHed key). */
  offset: (version: string, processor: ProcessorName, topic: string, partition: number) =>
    `${KEY_ROOT}:${version}:offset:${processor}:${topic}:${partition}`,
  /**
   * Hash: for one input partition of the item processor, origin partition (of `interactions`)
   * -> the highest origin offset applied. Drops repartitioned records re-produced after a crash.
   */
  origin: (version: string, processor: ProcessorName, topic: string, partition: number) =>
    `${KEY_ROOT}:${version}:origin:${processor}:${topic}:${partition}`,
  /** Sorted set: event_id -> event_time of events applied within the dedupe horizon. */
  dedupe: (version: string, processor: ProcessorName) => `${KEY_ROOT}:${version}:dedupe:${processor}`,
  /** SCAN pattern matching every key of one version. */
  versionPattern: (version: string) => `${KEY_ROOT}:${version}:*`,
};

/** Member of the clock sorted set. */
export const CLOCK_MEMBER = 'clock';

export const seenMember = {
  item: (itemId: string) => `i:${itemId}`,
  day: (day: number) => `d:${day}`,
  user: (userId: string) => `u:${userId}`,
};
