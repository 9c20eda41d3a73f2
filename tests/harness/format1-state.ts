import { EVENT_TYPES } from '../../schemas/types.js';
import type { EntityState, ItemState, UserState } from '../../sinks/redis/feature-state.js';

/**
 * The state hash as recostream wrote it before state format 2 (one field per accumulator,
 * delta-varint time lists), for tests that a store written then is still read and upgraded.
 * sinks/redis/legacy-state.ts is the reading side; nothing in the product writes this format.
 */

type Fields = Record<string, string | Buffer>;

function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

export function encodeVarintTimes(sorted: readonly number[]): Buffer {
  if (sorted.length === 0) return Buffer.alloc(0);
  const bytes: number[] = [];
  const first = sorted[0]!;
  pushVarint(bytes, first >= 0 ? first * 2 : -first * 2 - 1);
  for (let i = 1; i < sorted.length; i++) pushVarint(bytes, sorted[i]! - sorted[i - 1]!);
  return Buffer.from(bytes);
}

function entityFields(s: EntityState): Fields {
  const fields: Fields = {
    total_interactions: String(s.total),
    rating_count: String(s.ratingCount),
    rating_sum: String(s.ratingSum),
    first_event_time: String(s.firstEventTime),
    last_event_time: String(s.lastEventTime),
    window_times: encodeVarintTimes(s.windowTimes),
    updated_at: String(s.updatedAt),
  };
  for (const type of EVENT_TYPES) fields[`n_${type}`] = String(s.counts[type]);
  return fields;
}

export function format1UserFields(s: UserState): Fields {
  const fields = entityFields(s);
  fields.unique_items = String(s.uniqueItems);
  fields.active_days = String(s.activeDays);
  fields.monetary_value = String(s.monetaryValue);
  fields.categories = JSON.stringify(Object.fromEntries(s.categories));
  fields.recent_items = JSON.stringify(s.recentItems.map((r) => [r.item, r.time]));
  fields.purchase_times = encodeVarintTimes(s.purchaseTimes);
  return fields;
}

export function format1ItemFields(s: ItemState): Fields {
  const fields = entityFields(s);
  fields.unique_users = String(s.uniqueUsers);
  fields.popularity_value = String(s.popularity.value);
  fields.popularity_ref = String(s.popularity.ref);
  return fields;
}
