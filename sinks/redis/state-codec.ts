import { EVENT_TYPES } from '../../schemas/types.js';
import {
  emptyItemState,
  emptyUserState,
  type EntityState,
  type ItemState,
  type RecentItem,
  type UserState,
} from './feature-state.js';
import { decodeTimes, encodeTimes } from './time-list.js';

/**
 * Entity state <-> the fields of its Redis hash (docs/REDIS.md lists them). Numbers are decimal
 * strings (JavaScript's shortest round-trip form, so doubles come back bit for bit); time lists
 * are binary blobs (time-list.ts); categories and recent items are small JSON documents.
 */

export type HashFields = Record<string, string | Buffer>;
/** A hash as read with HGETALL in binary mode. */
export type RawHash = Record<string, Buffer>;

export const FIELD = {
  total: 'total_interactions',
  ratingCount: 'rating_count',
  ratingSum: 'rating_sum',
  firstEventTime: 'first_event_time',
  lastEventTime: 'last_event_time',
  windowTimes: 'window_times',
  updatedAt: 'updated_at',
  uniqueItems: 'unique_items',
  activeDays: 'active_days',
  monetaryValue: 'monetary_value',
  categories: 'categories',
  recentItems: 'recent_items',
  purchaseTimes: 'purchase_times',
  uniqueUsers: 'unique_users',
  popularityValue: 'popularity_value',
  popularityRef: 'popularity_ref',
} as const;

const countField = (type: string) => `n_${type}`;

function num(hash: RawHash, field: string): number {
  const raw = hash[field];
  if (raw === undefined) throw new Error(`state hash lacks field ${field}`);
  const value = Number(raw.toString());
  if (Number.isNaN(value)) throw new Error(`state hash field ${field} is not a number: ${raw.toString()}`);
  return value;
}

function encodeEntity(s: EntityState): HashFields {
  const fields: HashFields = {
    [FIELD.total]: String(s.total),
    [FIELD.ratingCount]: String(s.ratingCount),
    [FIELD.ratingSum]: String(s.ratingSum),
    [FIELD.firstEventTime]: String(s.firstEventTime),
    [FIELD.lastEventTime]: String(s.lastEventTime),
    [FIELD.windowTimes]: encodeTimes(s.windowTimes),
    [FIELD.updatedAt]: String(s.updatedAt),
  };
  for (const type of EVENT_TYPES) fields[countField(type)] = String(s.counts[type]);
  return fields;
}

function decodeEntity(hash: RawHash, into: EntityState): void {
  into.total = num(hash, FIELD.total);
  for (const type of EVENT_TYPES) into.counts[type] = num(hash, countField(type));
  into.ratingCount = num(hash, FIELD.ratingCount);
  into.ratingSum = num(hash, FIELD.ratingSum);
  into.firstEventTime = num(hash, FIELD.firstEventTime);
  into.lastEventTime = num(hash, FIELD.lastEventTime);
  into.windowTimes = decodeTimes(hash[FIELD.windowTimes]);
  into.updatedAt = num(hash, FIELD.updatedAt);
}

// Fields are added to one object (no spreads: this runs per entity per batch).
export function encodeUserState(s: UserState): HashFields {
  const recent: [string, number][] = s.recentItems.map((r) => [r.item, r.time]);
  const fields = encodeEntity(s);
  fields[FIELD.uniqueItems] = String(s.uniqueItems);
  fields[FIELD.activeDays] = String(s.activeDays);
  fields[FIELD.monetaryValue] = String(s.monetaryValue);
  fields[FIELD.categories] = JSON.stringify(Object.fromEntries(s.categories));
  fields[FIELD.recentItems] = JSON.stringify(recent);
  fields[FIELD.purchaseTimes] = encodeTimes(s.purchaseTimes);
  return fields;
}

/** null for an empty hash (an entity never seen). */
export function decodeUserState(hash: RawHash): UserState | null {
  if (Object.keys(hash).length === 0) return null;
  const s = emptyUserState();
  decodeEntity(hash, s);
  s.uniqueItems = num(hash, FIELD.uniqueItems);
  s.activeDays = num(hash, FIELD.activeDays);
  s.monetaryValue = num(hash, FIELD.monetaryValue);
  const categories = JSON.parse(hash[FIELD.categories]?.toString() ?? '{}') as Record<string, number>;
  s.categories = new Map(Object.entries(categories));
  const recent = JSON.parse(hash[FIELD.recentItems]?.toString() ?? '[]') as [string, number][];
  s.recentItems = recent.map(([item, time]): RecentItem => ({ item, time }));
  s.purchaseTimes = decodeTimes(hash[FIELD.purchaseTimes]);
  return s;
}

export function encodeItemState(s: ItemState): HashFields {
  const fields = encodeEntity(s);
  fields[FIELD.uniqueUsers] = String(s.uniqueUsers);
  fields[FIELD.popularityValue] = String(s.popularity.value);
  fields[FIELD.popularityRef] = String(s.popularity.ref);
  return fields;
}

export function decodeItemState(hash: RawHash): ItemState | null {
  if (Object.keys(hash).length === 0) return null;
  const s = emptyItemState();
  decodeEntity(hash, s);
  s.uniqueUsers = num(hash, FIELD.uniqueUsers);
  s.popularity = { value: num(hash, FIELD.popularityValue), ref: num(hash, FIELD.popularityRef) };
  return s;
}
