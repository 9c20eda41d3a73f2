import { RECENT_ITEMS_LIMIT, type RecentItem } from '../../sinks/redis/feature-state.js';

/**
 * recent_items: the distinct items with the latest event times (each item ranked by its latest
 * event), newest first, equal times by item id ascending.
 *
 * Keeping only the top entries is exact, also for late events: an item outside the list has its
 * latest time ranked below the last entry, so a new event of it either ranks above the last
 * entry (and then it is the item's latest event: insert it) or below (the item stays out).
 */

/** Negative when `a` ranks before `b`. */
export function compareRecent(a: RecentItem, b: RecentItem): number {
  if (a.time !== b.time) return b.time - a.time;
  return a.item < b.item ? -1 : a.item > b.item ? 1 : 0;
}

/** Updates `list` (sorted by compareRecent) in place with an event of `item` at `time`. */
export function addRecentItem(
  list: RecentItem[],
  item: string,
  time: number,
  limit = RECENT_ITEMS_LIMIT,
): void {
  const existing = list.findIndex((r) => r.item === item);
  if (existing >= 0) {
    if (time <= list[existing]!.time) return;
    list.splice(existing, 1);
  }
  const entry: RecentItem = { item, time };
  if (list.length >= limit && compareRecent(entry, list[list.length - 1]!) > 0) return;
  let at = list.length;
  while (at > 0 && compareRecent(entry, list[at - 1]!) < 0) at--;
  list.splice(at, 0, entry);
  if (list.length > limit) list.length = limit;
}
