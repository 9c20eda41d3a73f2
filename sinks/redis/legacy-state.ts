import { EVENT_TYPES } from '../../schemas/types.js';
import {
  emptyItemState,
  emptyUserState,
  type EntityState,
  type ItemState,
  type RecentItem,
  type UserState,
} from './feature-state.js';

/**
 * State format 1, read only: one hash field per accumulator (numbers as decimal strings), time
 * lists as delta-varint blobs, categories and recent items as JSON. Stores written before format 2
 * (state-codec.ts) hold it; readers and processors still understand it, and a processor rewrites
 * an entity in format 2 the next time one of its events arrives. docs/REDIS.md, "State formats".
 */

/** A hash as read with HGETALL in binary mode. */
export type RawHash = Record<string, Buffer>;

/** A field only format 1 has: its presence (without a `format` field) marks a format-1 hash. */
export const FORMAT1_MARKER_FIELD = 'total_interactions';

/** Every field a format-1 hash may hold (removed when the entity is rewritten in format 2). */
export const FORMAT1_FIELDS = [
  'total_interactions',
  ...EVENT_TYPES.map((t) => `n_${t}`),
  'rating_count',
  'rating_sum',
  'first_event_time',
  'last_event_time',
  'window_times',
  'updated_at',
  'unique_items',
  'active_days',
  'monetary_value',
  'categories',
  'recent_items',
  'purchase_times',
  'unique_users',
  'popularity_value',
  'popularity_ref',
] as const;

const SEVEN_BITS = 128;

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** The format-1 time list: first time zig-zag, then gaps, each an unsigned LEB128 varint. */
export function decodeVarintTimes(blob: Buffer | undefined): number[] {
  if (!blob || blob.length === 0) return [];
  const times: number[] = [];
  let at = 0;
  let previous = 0;
  while (at < blob.length) {
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      if (at >= blob.length) throw new Error('decodeVarintTimes: truncated varint in time list');
      byte = blob[at++]!;
      value += (byte % SEVEN_BITS) * scale;
      scale *= SEVEN_BITS;
    } while (byte >= SEVEN_BITS);
    previous = times.length === 0 ? unzigzag(value) : previous + value;
    times.push(previous);
  }
  return times;
}

function num(hash: RawHash, field: string): number {
  const raw = hash[field];
  if (raw === undefined) throw new Error(`state hash lacks field ${field}`);
  const value = Number(raw.toString());
  if (Number.isNaN(value)) throw new Error(`state hash field ${field} is not a number: ${raw.toString()}`);
  return value;
}

function decodeEntity(hash: RawHash, into: EntityState): void {
  into.total = num(hash, 'total_interactions');
  for (const type of EVENT_TYPES) into.counts[type] = num(hash, `n_${type}`);
  into.ratingCount = num(hash, 'rating_count');
  into.ratingSum = num(hash, 'rating_sum');
  into.firstEventTime = num(hash, 'first_event_time');
  into.lastEventTime = num(hash, 'last_event_time');
  into.windowTimes = decodeVarintTimes(hash['window_times']);
  into.updatedAt = num(hash, 'updated_at');
}

export function decodeFormat1UserState(hash: RawHash): UserState {
  const s = emptyUserState();
  decodeEntity(hash, s);
  s.uniqueItems = num(hash, 'unique_items');
  s.activeDays = num(hash, 'active_days');
  s.monetaryValue = num(hash, 'monetary_value');
  const categories = JSON.parse(hash['categories']?.toString() ?? '{}') as Record<string, number>;
  s.categories = new Map(Object.entries(categories));
  const recent = JSON.parse(hash['recent_items']?.toString() ?? '[]') as [string, number][];
  s.recentItems = recent.map(([item, time]): RecentItem => ({ item, time }));
  s.purchaseTimes = decodeVarintTimes(hash['purchase_times']);
  return s;
}

export function decodeFormat1ItemState(hash: RawHash): ItemState {
  const s = emptyItemState();
  decodeEntity(hash, s);
  s.uniqueUsers = num(hash, 'unique_users');
  s.popularity = { value: num(hash, 'popularity_value'), ref: num(hash, 'popularity_ref') };
  return s;
}
