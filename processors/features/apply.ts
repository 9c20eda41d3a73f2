import type { Interaction } from '../../schemas/types.js';
import {
  DAY_MS,
  LONGEST_WINDOW_MS,
  POPULARITY_WEIGHTS,
  type EntityState,
  type ItemState,
  type UserState,
} from '../../sinks/redis/feature-state.js';
import { seenMember } from '../../sinks/redis/keys.js';
import { sortAndPrune } from '../../sinks/redis/time-list.js';
import { addDecayed } from './decayed-sum.js';
import { addRecentItem } from './recent-items.js';
import type { SeenSet } from './seen-set.js';

/**
 * How one event changes an entity's state (docs/FEATURES.md). Every change is order-independent
 * (counts, sums, min/max, sets, sorted time lists, a decayed sum, the recent-items top list), so
 * a late event lands exactly where it belongs and a batch gives the same state whatever the
 * order of its events. Duplicates and offsets are handled by the caller: these functions count
 * every event they are given.
 */

/** What the item catalog said about the event's item when the event was processed. */
export interface CatalogJoin {
  category: string | null;
  price: number | null;
}

/** UTC day number of an event time (days since 1970-01-01). */
export function utcDay(time: number): number {
  return Math.floor(time / DAY_MS);
}

function applyCommon(s: EntityState, e: Interaction): void {
  s.total += 1;
  s.counts[e.event_type] += 1;
  if (e.rating !== null) {
    s.ratingCount += 1;
    s.ratingSum += e.rating;
  }
  if (e.event_time < s.firstEventTime) s.firstEventTime = e.event_time;
  if (e.event_time > s.lastEventTime) s.lastEventTime = e.event_time;
  // Kept unsorted until finishEntity: a batch appends, then one sort merges.
  s.windowTimes.push(e.event_time);
}

/** The user-side members an event may add to the user's seen set (for the load round trip). */
export function userSeenCandidates(e: Interaction): string[] {
  return [seenMember.item(e.item_id), seenMember.day(utcDay(e.event_time))];
}

export function itemSeenCandidates(e: Interaction): string[] {
  return [seenMember.user(e.user_id)];
}

export function applyUserEvent(
  s: UserState,
  e: Interaction,
  seen: SeenSet,
  join: CatalogJoin | undefined,
): void {
  applyCommon(s, e);
  if (seen.add(seenMember.item(e.item_id))) s.uniqueItems += 1;
  if (seen.add(seenMember.day(utcDay(e.event_time)))) s.activeDays += 1;
  const category = join?.category ?? null;
  if (category !== null) s.categories.set(category, (s.categories.get(category) ?? 0) + 1);
  if (e.event_type === 'purchase') {
    s.monetaryValue += e.price ?? join?.price ?? 0;
    s.purchaseTimes.push(e.event_time);
  }
  addRecentItem(s.recentItems, e.item_id, e.event_time);
}

export function applyItemEvent(s: ItemState, e: Interaction, seen: SeenSet): void {
  applyCommon(s, e);
  if (seen.add(seenMember.user(e.user_id))) s.uniqueUsers += 1;
  addDecayed(s.popularity, POPULARITY_WEIGHTS[e.event_type], e.event_time);
}

/** After a batch: sort the time lists and drop times that no window can count any more. */
export function finishUserState(s: UserState, clock: number, updatedAt: number): void {
  s.windowTimes = sortAndPrune(s.windowTimes, clock, LONGEST_WINDOW_MS);
  s.purchaseTimes = sortAndPrune(s.purchaseTimes, clock, LONGEST_WINDOW_MS);
  s.updatedAt = updatedAt;
}

export function finishItemState(s: ItemState, clock: number, updatedAt: number): void {
  s.windowTimes = sortAndPrune(s.windowTimes, clock, LONGEST_WINDOW_MS);
  s.updatedAt = updatedAt;
}
