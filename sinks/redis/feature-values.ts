import type { ItemFeatureValues, UserFeatureValues } from '../../schemas/types.js';
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
  return {
    ...common(s, clock),
    unique_items: s.uniqueItems,
    active_days: s.activeDays,
    purchases_7d: countInWindow(s.purchaseTimes, clock, WINDOWS['7d']),
    purchases_30d: countInWindow(s.purchaseTimes, clock, WINDOWS['30d']),
    conversion_rate: ratio(s.counts.purchase, s.counts.view),
    recent_items: s.recentItems.map((r) => r.item),
    favorite_category: favoriteCategory(s.categories),
    monetary_value: s.monetaryValue,
    avg_price_point: ratio(s.monetaryValue, s.counts.purchase),
    diversity_score: s.total === 0 ? 0 : distinctCategories / s.total,
  };
}

export function itemFeatureValues(s: ItemState, clock: number): ItemFeatureValues {
  const values = common(s, clock);
  return {
    ...values,
    unique_users: s.uniqueUsers,
    ctr: ratio(s.counts.click, s.counts.view),
    purchase_rate: ratio(s.counts.purchase, s.counts.view),
    popularity_score: decayedValueAt(s.popularity, clock),
    trending_score: values.cnt_7d === 0 ? null : values.cnt_24h / (values.cnt_7d / 7),
  };
}
