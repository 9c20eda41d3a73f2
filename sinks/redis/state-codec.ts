import { EVENT_TYPES } from '../../schemas/types.js';
import {
  emptyItemState,
  emptyUserState,
  type EntityState,
  type ItemState,
  type RecentItem,
  type UserState,
} from './feature-state.js';
import { distinctCategories, favoriteCategory } from './feature-values.js';
import {
  FORMAT1_MARKER_FIELD,
  decodeFormat1ItemState,
  decodeFormat1UserState,
  type RawHash,
} from './legacy-state.js';
import { packTimes, packedExtent, packedSize, unpackTimes } from './time-list.js';

/**
 * Entity state <-> its Redis hash, format 2 (docs/REDIS.md, "Entity hashes"): two fields,
 * `format` = "2" and `state`, one binary blob laid out at fixed offsets, so a reader takes the
 * numbers it needs with one load each and counts windows by binary search over the packed time
 * lists (time-list.ts) — no parsing, no per-field strings. Values a reader would otherwise derive
 * from the processors' working structures on every lookup and that do not depend on the clock
 * (favorite category, distinct categories) are stored beside them.
 *
 * Blob layout (little-endian; f64 holds integers exactly up to 2^53 and doubles bit for bit):
 *
 *   common   f64 × 12: total, n_view, n_click, n_add_to_cart, n_purchase, n_like, n_rate,
 *            rating_count, rating_sum, first_event_time, last_event_time, updated_at
 *   user     f64 × 4: unique_items, active_days, monetary_value, distinct_categories
 *            packed window times, packed purchase times
 *            str favorite_category
 *            recent: u32 n, f64 × n latest event times, str JSON array of the n item ids
 *            str categories (JSON {category: events})
 *   item     f64 × 3: unique_users, popularity_value, popularity_ref
 *            packed window times
 *
 * str: u32 byte length (0xFFFFFFFF: null) then UTF-8 bytes.
 *
 * Format-1 hashes (one field per accumulator) are still decoded (legacy-state.ts).
 */

export type { RawHash } from './legacy-state.js';

export type HashFields = Record<string, string | Buffer>;

export const STATE_FORMAT = 2;
export const FORMAT_FIELD = 'format';
export const STATE_FIELD = 'state';
const FORMAT_VALUE = String(STATE_FORMAT);

/** Byte offsets of the fixed part of a state blob. */
export const OFFSET = {
  total: 0,
  /** n_<type> at counts + 8 × (index in EVENT_TYPES). */
  counts: 8,
  ratingCount: 56,
  ratingSum: 64,
  firstEventTime: 72,
  lastEventTime: 80,
  updatedAt: 88,
  // user
  uniqueItems: 96,
  activeDays: 104,
  monetaryValue: 112,
  distinctCategories: 120,
  userLists: 128,
  // item
  uniqueUsers: 96,
  popularityValue: 104,
  popularityRef: 112,
  itemLists: 120,
} as const;

const NULL_LENGTH = 0xffffffff;

/** Which format a stored hash is in: 2, 1, or null for an empty hash (an entity never seen). */
export function hashFormat(hash: RawHash): 1 | 2 | null {
  const format = hash[FORMAT_FIELD];
  if (format !== undefined) {
    const value = format.toString();
    if (value !== FORMAT_VALUE) {
      throw new Error(
        `entity state format ${value} is unknown to this version of recostream (it reads 1 and 2)`,
      );
    }
    return 2;
  }
  if (hash[FORMAT1_MARKER_FIELD] !== undefined) return 1;
  if (Object.keys(hash).length === 0) return null;
  throw new Error('entity state hash has neither a format field nor format-1 fields');
}

function strSize(s: string | null): number {
  return 4 + (s === null ? 0 : Buffer.byteLength(s));
}

function writeStr(out: Buffer, at: number, s: string | null): number {
  if (s === null) {
    out.writeUInt32LE(NULL_LENGTH, at);
    return at + 4;
  }
  const n = out.write(s, at + 4, 'utf8');
  out.writeUInt32LE(n, at);
  return at + 4 + n;
}

/** The string at `at` and the offset after it. */
export function readStr(blob: Buffer, at: number): { value: string | null; end: number } {
  const n = blob.readUInt32LE(at);
  if (n === NULL_LENGTH) return { value: null, end: at + 4 };
  const end = at + 4 + n;
  if (end > blob.length) throw new Error('state blob: truncated string');
  return { value: blob.toString('utf8', at + 4, end), end };
}

/** Offset just past the string at `at`, without decoding it. */
export function skipStr(blob: Buffer, at: number): number {
  const n = blob.readUInt32LE(at);
  return n === NULL_LENGTH ? at + 4 : at + 4 + n;
}

function writeCommon(out: Buffer, s: EntityState): void {
  out.writeDoubleLE(s.total, OFFSET.total);
  for (let i = 0; i < EVENT_TYPES.length; i++)
    out.writeDoubleLE(s.counts[EVENT_TYPES[i]!], OFFSET.counts + 8 * i);
  out.writeDoubleLE(s.ratingCount, OFFSET.ratingCount);
  out.writeDoubleLE(s.ratingSum, OFFSET.ratingSum);
  out.writeDoubleLE(s.firstEventTime, OFFSET.firstEventTime);
  out.writeDoubleLE(s.lastEventTime, OFFSET.lastEventTime);
  out.writeDoubleLE(s.updatedAt, OFFSET.updatedAt);
}

function readCommon(blob: Buffer, into: EntityState): void {
  into.total = blob.readDoubleLE(OFFSET.total);
  for (let i = 0; i < EVENT_TYPES.length; i++)
    into.counts[EVENT_TYPES[i]!] = blob.readDoubleLE(OFFSET.counts + 8 * i);
  into.ratingCount = blob.readDoubleLE(OFFSET.ratingCount);
  into.ratingSum = blob.readDoubleLE(OFFSET.ratingSum);
  into.firstEventTime = blob.readDoubleLE(OFFSET.firstEventTime);
  into.lastEventTime = blob.readDoubleLE(OFFSET.lastEventTime);
  into.updatedAt = blob.readDoubleLE(OFFSET.updatedAt);
}

function stateFields(blob: Buffer): HashFields {
  return { [FORMAT_FIELD]: FORMAT_VALUE, [STATE_FIELD]: blob };
}

export function encodeUserBlob(s: UserState): Buffer {
  const favorite = favoriteCategory(s.categories);
  const recentIds = JSON.stringify(s.recentItems.map((r) => r.item));
  const categories = JSON.stringify(Object.fromEntries(s.categories));
  const size =
    OFFSET.userLists +
    packedSize(s.windowTimes) +
    packedSize(s.purchaseTimes) +
    strSize(favorite) +
    4 +
    8 * s.recentItems.length +
    strSize(recentIds) +
    strSize(categories);
  const out = Buffer.allocUnsafe(size);
  writeCommon(out, s);
  out.writeDoubleLE(s.uniqueItems, OFFSET.uniqueItems);
  out.writeDoubleLE(s.activeDays, OFFSET.activeDays);
  out.writeDoubleLE(s.monetaryValue, OFFSET.monetaryValue);
  out.writeDoubleLE(distinctCategories(s.categories), OFFSET.distinctCategories);
  let at = packTimes(out, OFFSET.userLists, s.windowTimes);
  at = packTimes(out, at, s.purchaseTimes);
  at = writeStr(out, at, favorite);
  out.writeUInt32LE(s.recentItems.length, at);
  at += 4;
  for (const r of s.recentItems) at = out.writeDoubleLE(r.time, at);
  at = writeStr(out, at, recentIds);
  at = writeStr(out, at, categories);
  if (at !== size) throw new Error(`encodeUserBlob: wrote ${at} of ${size} bytes`);
  return out;
}

/** Offsets of the variable part of a user blob (after the fixed numbers). */
export interface UserBlobLayout {
  windowTimes: number;
  purchaseTimes: number;
  favoriteCategory: number;
  recentCount: number;
  recentIds: number;
  categories: number;
}

/** Where the variable parts of a user blob start; walks the headers, decodes nothing. */
export function userBlobLayout(blob: Buffer): UserBlobLayout {
  const windowTimes = OFFSET.userLists;
  const purchaseTimes = packedExtent(blob, windowTimes).end;
  const favorite = packedExtent(blob, purchaseTimes).end;
  const recentCount = skipStr(blob, favorite);
  const recentIds = recentCount + 4 + 8 * blob.readUInt32LE(recentCount);
  const categories = skipStr(blob, recentIds);
  return { windowTimes, purchaseTimes, favoriteCategory: favorite, recentCount, recentIds, categories };
}

export function decodeUserBlob(blob: Buffer): UserState {
  const s = emptyUserState();
  readCommon(blob, s);
  s.uniqueItems = blob.readDoubleLE(OFFSET.uniqueItems);
  s.activeDays = blob.readDoubleLE(OFFSET.activeDays);
  s.monetaryValue = blob.readDoubleLE(OFFSET.monetaryValue);
  const at = userBlobLayout(blob);
  s.windowTimes = unpackTimes(blob, at.windowTimes);
  s.purchaseTimes = unpackTimes(blob, at.purchaseTimes);
  const n = blob.readUInt32LE(at.recentCount);
  const ids = JSON.parse(readStr(blob, at.recentIds).value ?? '[]') as string[];
  if (ids.length !== n) throw new Error('state blob: recent items and their times differ in number');
  s.recentItems = ids.map((item, i): RecentItem => ({
    item,
    time: blob.readDoubleLE(at.recentCount + 4 + 8 * i),
  }));
  const categories = JSON.parse(readStr(blob, at.categories).value ?? '{}') as Record<string, number>;
  s.categories = new Map(Object.entries(categories));
  return s;
}

export function encodeItemBlob(s: ItemState): Buffer {
  const size = OFFSET.itemLists + packedSize(s.windowTimes);
  const out = Buffer.allocUnsafe(size);
  writeCommon(out, s);
  out.writeDoubleLE(s.uniqueUsers, OFFSET.uniqueUsers);
  out.writeDoubleLE(s.popularity.value, OFFSET.popularityValue);
  out.writeDoubleLE(s.popularity.ref, OFFSET.popularityRef);
  packTimes(out, OFFSET.itemLists, s.windowTimes);
  return out;
}

export function decodeItemBlob(blob: Buffer): ItemState {
  const s = emptyItemState();
  readCommon(blob, s);
  s.uniqueUsers = blob.readDoubleLE(OFFSET.uniqueUsers);
  s.popularity = {
    value: blob.readDoubleLE(OFFSET.popularityValue),
    ref: blob.readDoubleLE(OFFSET.popularityRef),
  };
  s.windowTimes = unpackTimes(blob, OFFSET.itemLists);
  return s;
}

/** The hash fields of a user's state (always the current format). */
export function encodeUserState(s: UserState): HashFields {
  return stateFields(encodeUserBlob(s));
}

export function encodeItemState(s: ItemState): HashFields {
  return stateFields(encodeItemBlob(s));
}

function stateBlob(hash: RawHash): Buffer {
  const blob = hash[STATE_FIELD];
  if (blob === undefined) throw new Error('entity state hash lacks its state field');
  return blob;
}

/** A stored user (either format); null for an empty hash (an entity never seen). */
export function decodeUserState(hash: RawHash): UserState | null {
  const format = hashFormat(hash);
  if (format === null) return null;
  return format === 2 ? decodeUserBlob(stateBlob(hash)) : decodeFormat1UserState(hash);
}

export function decodeItemState(hash: RawHash): ItemState | null {
  const format = hashFormat(hash);
  if (format === null) return null;
  return format === 2 ? decodeItemBlob(stateBlob(hash)) : decodeFormat1ItemState(hash);
}
