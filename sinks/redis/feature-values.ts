import type {
  ItemFeatures,
  ItemFeatureValues,
  UserFeatures,
  UserFeatureValues,
} from '../../schemas/types.js';
import {
  WINDOWS,
  decayedValueAt,
  type DecayedSum,
  type EntityState,
  type EventTypeCounts,
  type ItemState,
  type UserState,
} from './feature-state.js';
import { countInWindow } from './time-list.js';

/**
 * The features of docs/FEATURES.md, derived from stored state as of `clock`. The one place where
 * windowed values are evaluated: the reader (over a stored state blob, at the current clock) and
 * the processors' feature records (over their working state, at their as_of) both call these, so
 * the two cannot disagree.
 *
 * The functions take the accumulators through small input interfaces rather than the processors'
 * state objects: the reader answers them straight from the stored bytes (state-view.ts) without
 * building lists, maps or the recent-items entries it does not need.
 */

/** What users and items share. */
export interface EntityInput {
  readonly total: number;
  readonly counts: Readonly<EventTypeCounts>;
  readonly ratingCount: number;
  readonly ratingSum: number;
  readonly firstEventTime: number;
  readonly lastEventTime: number;
  /** Wall time of the last write. */
  readonly updatedAt: number;
  /** Events with event_time in (clock - windowMs, clock]. */
  eventsInWindow(clock: number, windowMs: number): number;
}

export interface UserInput extends EntityInput {
  readonly uniqueItems: number;
  readonly activeDays: number;
  readonly monetaryValue: number;
  /** Categories with at least one event. */
  readonly distinctCategories: number;
  readonly favoriteCategory: string | null;
  /** Purchases with event_time in (clock - windowMs, clock]. */
  purchasesInWindow(clock: number, windowMs: number): number;
  /** recent_items: item ids, newest first. */
  recentItemIds(): string[];
}

export interface ItemInput extends EntityInput {
  readonly uniqueUsers: number;
  readonly popularity: DecayedSum;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
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

export function distinctCategories(categories: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const count of categories.values()) if (count > 0) n++;
  return n;
}

/** What users and items share; callers add their own fields to the object (no spreads: hot path). */
function common(s: EntityInput, clock: number) {
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
    cnt_1h: s.eventsInWindow(clock, WINDOWS['1h']),
    cnt_24h: s.eventsInWindow(clock, WINDOWS['24h']),
    cnt_7d: s.eventsInWindow(clock, WINDOWS['7d']),
    cnt_30d: s.eventsInWindow(clock, WINDOWS['30d']),
  };
}

export function userValues(s: UserInput, clock: number): UserFeatureValues {
  const v = common(s, clock) as UserFeatureValues;
  v.unique_items = s.uniqueItems;
  v.active_days = s.activeDays;
  v.purchases_7d = s.purchasesInWindow(clock, WINDOWS['7d']);
  v.purchases_30d = s.purchasesInWindow(clock, WINDOWS['30d']);
  v.conversion_rate = ratio(s.counts.purchase, s.counts.view);
  v.recent_items = s.recentItemIds();
  v.favorite_category = s.favoriteCategory;
  v.monetary_value = s.monetaryValue;
  v.avg_price_point = ratio(s.monetaryValue, s.counts.purchase);
  v.diversity_score = s.total === 0 ? 0 : s.distinctCategories / s.total;
  return v;
}

export function itemValues(s: ItemInput, clock: number): ItemFeatureValues {
  const v = common(s, clock) as ItemFeatureValues;
  v.unique_users = s.uniqueUsers;
  v.ctr = ratio(s.counts.click, s.counts.view);
  v.purchase_rate = ratio(s.counts.purchase, s.counts.view);
  v.popularity_score = decayedValueAt(s.popularity, clock);
  v.trending_score = v.cnt_7d === 0 ? null : v.cnt_24h / (v.cnt_7d / 7);
  return v;
}

/**
 * One evaluator per feature, for reads that ask for some features only (`?fields=`): nothing a
 * request leaves out is computed — no window counted, no recent-items list decoded. userValues /
 * itemValues stay the path for whole records (one object literal, no per-field calls); a unit
 * test holds the two to the same values.
 */
type Evaluator<I> = (s: I, clock: number) => unknown;

const COMMON_EVALUATORS = {
  total_interactions: (s: EntityInput) => s.total,
  n_view: (s: EntityInput) => s.counts.view,
  n_click: (s: EntityInput) => s.counts.click,
  n_add_to_cart: (s: EntityInput) => s.counts.add_to_cart,
  n_purchase: (s: EntityInput) => s.counts.purchase,
  n_like: (s: EntityInput) => s.counts.like,
  n_rate: (s: EntityInput) => s.counts.rate,
  rating_count: (s: EntityInput) => s.ratingCount,
  avg_rating: (s: EntityInput) => ratio(s.ratingSum, s.ratingCount),
  first_event_time: (s: EntityInput) => s.firstEventTime,
  last_event_time: (s: EntityInput) => s.lastEventTime,
  cnt_1h: (s: EntityInput, clock: number) => s.eventsInWindow(clock, WINDOWS['1h']),
  cnt_24h: (s: EntityInput, clock: number) => s.eventsInWindow(clock, WINDOWS['24h']),
  cnt_7d: (s: EntityInput, clock: number) => s.eventsInWindow(clock, WINDOWS['7d']),
  cnt_30d: (s: EntityInput, clock: number) => s.eventsInWindow(clock, WINDOWS['30d']),
};

export const USER_EVALUATORS: { readonly [F in keyof UserFeatureValues]: Evaluator<UserInput> } = {
  ...COMMON_EVALUATORS,
  unique_items: (s) => s.uniqueItems,
  active_days: (s) => s.activeDays,
  purchases_7d: (s, clock) => s.purchasesInWindow(clock, WINDOWS['7d']),
  purchases_30d: (s, clock) => s.purchasesInWindow(clock, WINDOWS['30d']),
  conversion_rate: (s) => ratio(s.counts.purchase, s.counts.view),
  recent_items: (s) => s.recentItemIds(),
  favorite_category: (s) => s.favoriteCategory,
  monetary_value: (s) => s.monetaryValue,
  avg_price_point: (s) => ratio(s.monetaryValue, s.counts.purchase),
  diversity_score: (s) => (s.total === 0 ? 0 : s.distinctCategories / s.total),
};

export const ITEM_EVALUATORS: { readonly [F in keyof ItemFeatureValues]: Evaluator<ItemInput> } = {
  ...COMMON_EVALUATORS,
  unique_users: (s) => s.uniqueUsers,
  ctr: (s) => ratio(s.counts.click, s.counts.view),
  purchase_rate: (s) => ratio(s.counts.purchase, s.counts.view),
  popularity_score: (s, clock) => decayedValueAt(s.popularity, clock),
  trending_score: (s, clock) => {
    const week = s.eventsInWindow(clock, WINDOWS['7d']);
    return week === 0 ? null : s.eventsInWindow(clock, WINDOWS['24h']) / (week / 7);
  },
};

/** The named features only, in the order named; all of them when `names` is undefined. */
export function userValuesOf<F extends keyof UserFeatureValues>(
  s: UserInput,
  clock: number,
  names: readonly F[] | undefined,
): Pick<UserFeatureValues, F> {
  if (names === undefined) return userValues(s, clock);
  const out = {} as Record<string, unknown>;
  for (let i = 0; i < names.length; i++) out[names[i]!] = USER_EVALUATORS[names[i]!](s, clock);
  return out as Pick<UserFeatureValues, F>;
}

export function itemValuesOf<F extends keyof ItemFeatureValues>(
  s: ItemInput,
  clock: number,
  names: readonly F[] | undefined,
): Pick<ItemFeatureValues, F> {
  if (names === undefined) return itemValues(s, clock);
  const out = {} as Record<string, unknown>;
  for (let i = 0; i < names.length; i++) out[names[i]!] = ITEM_EVALUATORS[names[i]!](s, clock);
  return out as Pick<ItemFeatureValues, F>;
}

/** The processors' working state as feature input. */
class EntityStateInput<S extends EntityState> implements EntityInput {
  constructor(protected readonly s: S) {}
  get total() {
    return this.s.total;
  }
  get counts() {
    return this.s.counts;
  }
  get ratingCount() {
    return this.s.ratingCount;
  }
  get ratingSum() {
    return this.s.ratingSum;
  }
  get firstEventTime() {
    return this.s.firstEventTime;
  }
  get lastEventTime() {
    return this.s.lastEventTime;
  }
  get updatedAt() {
    return this.s.updatedAt;
  }
  eventsInWindow(clock: number, windowMs: number): number {
    return countInWindow(this.s.windowTimes, clock, windowMs);
  }
}

class UserStateInput extends EntityStateInput<UserState> implements UserInput {
  get uniqueItems() {
    return this.s.uniqueItems;
  }
  get activeDays() {
    return this.s.activeDays;
  }
  get monetaryValue() {
    return this.s.monetaryValue;
  }
  get distinctCategories() {
    return distinctCategories(this.s.categories);
  }
  get favoriteCategory() {
    return favoriteCategory(this.s.categories);
  }
  purchasesInWindow(clock: number, windowMs: number): number {
    return countInWindow(this.s.purchaseTimes, clock, windowMs);
  }
  recentItemIds(): string[] {
    return this.s.recentItems.map((r) => r.item);
  }
}

class ItemStateInput extends EntityStateInput<ItemState> implements ItemInput {
  get uniqueUsers() {
    return this.s.uniqueUsers;
  }
  get popularity() {
    return this.s.popularity;
  }
}

export function userStateInput(s: UserState): UserInput {
  return new UserStateInput(s);
}

export function itemStateInput(s: ItemState): ItemInput {
  return new ItemStateInput(s);
}

export function userFeatureValues(s: UserState, clock: number): UserFeatureValues {
  return userValues(userStateInput(s), clock);
}

export function itemFeatureValues(s: ItemState, clock: number): ItemFeatureValues {
  return itemValues(itemStateInput(s), clock);
}

export interface RecordHeader {
  version: string;
  /** The clock the windowed values are evaluated at. */
  as_of: number;
  updated_at: number;
}

/** A full UserFeatures record: the values as of `header.as_of` plus the header and the id. */
export function userRecord(id: string, s: UserInput, header: RecordHeader): UserFeatures {
  const r = userValues(s, header.as_of) as UserFeatures;
  r.user_id = id;
  r.version = header.version;
  r.as_of = header.as_of;
  r.updated_at = header.updated_at;
  return r;
}

export function itemRecord(id: string, s: ItemInput, header: RecordHeader): ItemFeatures {
  const r = itemValues(s, header.as_of) as ItemFeatures;
  r.item_id = id;
  r.version = header.version;
  r.as_of = header.as_of;
  r.updated_at = header.updated_at;
  return r;
}

export function userFeaturesRecord(id: string, s: UserState, header: RecordHeader): UserFeatures {
  return userRecord(id, userStateInput(s), header);
}

export function itemFeaturesRecord(id: string, s: ItemState, header: RecordHeader): ItemFeatures {
  return itemRecord(id, itemStateInput(s), header);
}
