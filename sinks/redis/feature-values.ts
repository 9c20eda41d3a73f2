import type {
  ItemFeatures,
  ItemFeatureValues,
  UserFeatures,
  UserFeatureValues,
} from '../../schemas/types.js';
import {
  WINDOWS,
  decayedValueAt,
  type EntityState,
  type ItemState,
  type UserState,
} from './feature-state.js';
import { countInWindow } from './time-list.js';

/**
 * The features of docs/FEATURES.md, derived from stored state as of `clock`. The one place where
 * windowed values are evaluated: the reader (at the current clock) and the processors' feature
 * records (at their as_of) both call these, so the two cannot disagree.
 */

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** What users and items share; callers add their own fields to the object (no spreads: hot path). */
function common(s: EntityState, clock: number) {
  return {
    total_interactions: s.total,
    n_view: s.counts.view,
    n_click: s.counts.click,
    n_add_to_cart: s.counts.add_to_cart,
    n_purchase: s.counts.purchase,
    n_like: s.counts.like,
    n_rate: s.counts.rate,
    rating_count: s.ratingCount,
    avg_rating: ratio(s.ratingSum, s.ratingCount),
    first_event_time: s.firstEventTime,
    last_event_time: s.lastEventTime,
    cnt_1h: countInWindow(s.windowTimes, clock, WINDOWS['1h']),
    cnt_24h: countInWindow(s.windowTimes, clock, WINDOWS['24h']),
    cnt_7d: countInWindow(s.windowTimes, clock, WINDOWS['7d']),
    cnt_30d: countInWindow(s.windowTimes, clock, WINDOWS['30d']),
  };
}

/** The category with the most events; ties: the alphabetically first (UTF-16 code unit order). */
export function favoriteCategory(categories: ReadonlyMap<string, number>): string | null {
  let best: string | null = null;
  let bestCount = 0;
  for (const [category, count] of categories) {
    if (count <= 0) continue;
    if (count > bestCount || (count === bestCount && best !== null && category < best)) {
      best = category;
      bestCount = count;
    }
  }
  return best;
}

export function userFeatureValues(s: UserState, clock: number): UserFeatureValues {
  let distinctCategories = 0;
  for (const count of s.categories.values()) if (count > 0) distinctCategories++;
  const v = common(s, clock) as UserFeatureValues;
  v.unique_items = s.uniqueItems;
  v.active_days = s.activeDays;
  v.purchases_7d = countInWindow(s.purchaseTimes, clock, WINDOWS['7d']);
  v.purchases_30d = countInWindow(s.purchaseTimes, clock, WINDOWS['30d']);
  v.conversion_rate = ratio(s.counts.purchase, s.counts.view);
  v.recent_items = s.recentItems.map((r) => r.item);
  v.favorite_category = favoriteCategory(s.categories);
  v.monetary_value = s.monetaryValue;
  v.avg_price_point = ratio(s.monetaryValue, s.counts.purchase);
  v.diversity_score = s.total === 0 ? 0 : distinctCategories / s.total;
  return v;
}

export function itemFeatureValues(s: ItemState, clock: number): ItemFeatureValues {
  const v = common(s, clock) as ItemFeatureValues;
  v.unique_users = s.uniqueUsers;
  v.ctr = ratio(s.counts.click, s.counts.view);
  v.purchase_rate = ratio(s.counts.purchase, s.counts.view);
  v.popularity_score = decayedValueAt(s.popularity, clock);
  v.trending_score = v.cnt_7d === 0 ? null : v.cnt_24h / (v.cnt_7d / 7);
  return v;
}

export interface RecordHeader {
  version: string;
  /** The clock the windowed values are evaluated at. */
  as_of: number;
  updated_at: number;
}

/** A full UserFeatures record: the values as of `header.as_of` plus the header and the id. */
export function userFeaturesRecord(id: string, s: UserState, header: RecordHeader): UserFeatures {
  const r = userFeatureValues(s, header.as_of) as UserFeatures;
  r.user_id = id;
  r.version = header.version;
  r.as_of = header.as_of;
  r.updated_at = header.updated_at;
  return r;
}

export function itemFeaturesRecord(id: string, s: ItemState, header: RecordHeader): ItemFeatures {
  const r = itemFeatureValues(s, header.as_of) as ItemFeatures;
  r.item_id = id;
  r.version = header.version;
  r.as_of = header.as_of;
  r.updated_at = header.updated_at;
  return r;
}
