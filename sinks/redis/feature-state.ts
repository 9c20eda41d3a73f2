import type { EventType } from '../../schemas/types.js';

/**
 * What the Redis state store keeps per entity: the raw accumulators from which every feature of
 * docs/FEATURES.md is derived at read time. Counts and sums are exact; windows keep the event
 * times themselves; popularity is a decayed accumulator with a reference time. The processors
 * (processors/features/) define how events change these; this folder defines what they mean.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** The windows of docs/FEATURES.md: a window counts event times in (clock - width, clock]. */
export const WINDOWS = {
  '1h': HOUR_MS,
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
} as const;

/** Times at or before clock - LONGEST_WINDOW_MS can never count again and are dropped. */
export const LONGEST_WINDOW_MS = WINDOWS['30d'];

/** popularity_score: weight per event type, halving every 24h of event time. */
export const POPULARITY_WEIGHTS: Record<EventType, number> = {
  view: 1,
  click: 2,
  add_to_cart: 3,
  like: 3,
  purchase: 5,
  rate: 1,
};
export const POPULARITY_HALF_LIFE_MS = DAY_MS;

/** recent_items keeps this many distinct items. */
export const RECENT_ITEMS_LIMIT = 20;

export type EventTypeCounts = Record<EventType, number>;

export function zeroCounts(): EventTypeCounts {
  return { view: 0, click: 0, add_to_cart: 0, purchase: 0, like: 0, rate: 0 };
}

/** What users and items both keep. */
export interface EntityState {
  total: number;
  counts: EventTypeCounts;
  ratingCount: number;
  ratingSum: number;
  firstEventTime: number;
  lastEventTime: number;
  /** Event times within the longest window of the clock at the last write, ascending. */
  windowTimes: number[];
  /** Wall time of the last write. */
  updatedAt: number;
}

/** One entry of recent_items: an item and the time of its latest event. */
export interface RecentItem {
  item: string;
  time: number;
}

export interface UserState extends EntityState {
  uniqueItems: number;
  activeDays: number;
  monetaryValue: number;
  /** Events per category (only events whose item had a category when processed). */
  categories: Map<string, number>;
  /** Newest first; ties by item id ascending; at most RECENT_ITEMS_LIMIT entries. */
  recentItems: RecentItem[];
  /** Purchase event times within the longest window, ascending. */
  purchaseTimes: number[];
}

/** Σ weight × 0.5^((ref − t) / half-life) over the events: the score as of `ref`. */
export interface DecayedSum {
  value: number;
  ref: number;
}

export interface ItemState extends EntityState {
  uniqueUsers: number;
  popularity: DecayedSum;
}

// Built as plain literals: object spread is an order of magnitude slower in V8 and these run
// once per entity per batch.
export function emptyUserState(): UserState {
  return {
    total: 0,
    counts: zeroCounts(),
    ratingCount: 0,
    ratingSum: 0,
    firstEventTime: Number.POSITIVE_INFINITY,
    lastEventTime: Number.NEGATIVE_INFINITY,
    windowTimes: [],
    updatedAt: 0,
    uniqueItems: 0,
    activeDays: 0,
    monetaryValue: 0,
    categories: new Map(),
    recentItems: [],
    purchaseTimes: [],
  };
}

export function emptyItemState(): ItemState {
  return {
    total: 0,
    counts: zeroCounts(),
    ratingCount: 0,
    ratingSum: 0,
    firstEventTime: Number.POSITIVE_INFINITY,
    lastEventTime: Number.NEGATIVE_INFINITY,
    windowTimes: [],
    updatedAt: 0,
    uniqueUsers: 0,
    popularity: { value: 0, ref: Number.NEGATIVE_INFINITY },
  };
}

/** The value of a decayed sum at `clock` (>= its reference time). */
export function decayedValueAt(sum: DecayedSum, clock: number): number {
  if (sum.value === 0) return 0;
  return sum.value * Math.pow(0.5, (clock - sum.ref) / POPULARITY_HALF_LIFE_MS);
}
