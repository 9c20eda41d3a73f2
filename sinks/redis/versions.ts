import type { Redis } from 'ioredis';
import { INDEX, INDEX_COMPLETE } from './indexes.js';
import { CLOCK_MEMBER, keys } from './keys.js';
import { LuaScript } from './script.js';

/**
 * Feature versions in Redis: the registry of known versions, the active version pointer that
 * readers follow, and the per-version pipeline clock. Switching is one SET, so readers move from
 * one version to the next atomically.
 */

export interface VersionMeta {
  created_at: number;
  switched_at?: number;
}

export interface VersionInfo {
  version: string;
  active: boolean;
  /** Pipeline clock of the version (epoch ms); null before its first event. */
  clock: number | null;
  meta: VersionMeta;
}

// A version registered here for the first time has no state yet, so its indexes hold every
// entity from the start: they are marked complete in the same step. A version that existed before
// (written by a recostream without the indexes) keeps them unmarked until they are rebuilt.
const REGISTER_SCRIPT = new LuaScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[5], ARGV[4], ARGV[5])
end
redis.call('SET', KEYS[2], ARGV[1], 'NX')
return 1
`);

/**
 * Records that a version exists; makes it the active one when no version is active yet (so the
 * first version a pipeline computes serves readers without a manual switch).
 */
export async function registerVersion(redis: Redis, version: string, now = Date.now()): Promise<void> {
  const meta: VersionMeta = { created_at: now };
  await REGISTER_SCRIPT.runBuffer(
    redis,
    [keys.versions, keys.activeVersion, keys.indexes(version)],
    [version, JSON.stringify(meta), INDEX.itemPopularity, INDEX.userPurchased, INDEX_COMPLETE],
  );
}

export async function activeVersion(redis: Redis): Promise<string | null> {
  return redis.get(keys.activeVersion);
}

export class UnknownVersionError extends Error {
  constructor(readonly version: string) {
    super(`feature version ${version} is unknown (run \`recostream versions\` to list them)`);
    this.name = 'UnknownVersionError';
  }
}

/** Points readers at `version` (one SET: atomic for every reader). */
export async function switchActiveVersion(redis: Redis, version: string, now = Date.now()): Promise<void> {
  const raw = await redis.hget(keys.versions, version);
  if (raw === null) throw new UnknownVersionError(version);
  const meta = { ...(JSON.parse(raw) as VersionMeta), switched_at: now };
  await redis
    .multi()
    .set(keys.activeVersion, version)
    .hset(keys.versions, version, JSON.stringify(meta))
    .exec();
}

export async function readClock(redis: Redis, version: string): Promise<number | null> {
  const score = await redis.zscore(keys.clock(version), CLOCK_MEMBER);
  return score === null ? null : Number(score);
}

export async function listVersions(redis: Redis): Promise<VersionInfo[]> {
  const [all, active] = await Promise.all([redis.hgetall(keys.versions), redis.get(keys.activeVersion)]);
  const names = Object.keys(all).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const clocks = await Promise.all(names.map((v) => readClock(redis, v)));
  return names.map((version, i) => ({
    version,
    active: version === active,
    clock: clocks[i] ?? null,
    meta: JSON.parse(all[version]!) as VersionMeta,
  }));
}

export class ActiveVersionError extends Error {
  constructor(readonly version: string) {
    super(`feature version ${version} is active; switch readers to another version before dropping it`);
    this.name = 'ActiveVersionError';
  }
}

/**
 * Deletes every key of a version (SCAN + UNLINK in slices, so a large version does not block
 * Redis) and forgets it. Refuses the active version.
 */
export async function dropVersionKeys(redis: Redis, version: string): Promise<number> {
  if ((await redis.get(keys.activeVersion)) === version) throw new ActiveVersionError(version);
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.versionPattern(version), 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) deleted += await redis.unlink(...found);
  } while (cursor !== '0');
  await redis.hdel(keys.versions, version);
  return deleted;
}
