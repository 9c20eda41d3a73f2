import type { EventType, Interaction, ItemFeatureValues, UserFeatureValues } from '../../schemas/types.js';

/**
 * The batch oracle: every feature of docs/FEATURES.md computed from scratch over a whole input,
 * written as plainly as possible and independently of the processors (no shared code with
 * processors/ or sinks/). Integration tests and benchmarks compare the streaming results with it.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOWS = { cnt_1h: HOUR, cnt_24h: DAY, cnt_7d: 7 * DAY, cnt_30d: 30 * DAY } as const;
const POPULARITY_WEIGHT: Record<EventType, number> = {
  view: 1,
  click: 2,
  add_to_cart: 3,
  like: 3,
  purchase: 5,
  rate: 1,
};

export interface CatalogEntry {
  category: string | null;
  price: number | null;
}

export interface OracleInput {
  /** Interactions in the order they were produced. */
  interactions: Interaction[];
  /** The item catalog as known when the interactions were processed. */
  catalog?: Map<string, CatalogEntry>;
}

/** First occurrence of each event_id, in input order. */
export function distinctEvents(interactions: Interaction[]): Interaction[] {
  const seen = new Set<string>();
  const out: Interaction[] = [];
  for (const e of interactions) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    out.push(e);
  }
  return out;
}

export function pipelineClock(interactions: Interaction[]): number {
  let clock = -Infinity;
  for (const e of interactions) if (e.event_time > clock) clock = e.event_time;
  return clock;
}

function groupBy(events: Interaction[], key: (e: Interaction) => string): Map<string, Interaction[]> {
  const groups = new Map<string, Interaction[]>();
  for (const e of events) {
    const k = key(e);
    const list = groups.get(k);
    if (list) list.push(e);
    else groups.set(k, [e]);
  }
  return groups;
}

function countType(events: Interaction[], type: EventType): number {
  return events.filter((e) => e.event_type === type).length;
}

function inWindow(e: Interaction, clock: number, width: number): boolean {
  return e.event_time > clock - width && e.event_time <= clock;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function commonFeatures(events: Interaction[], clock: number) {
  const ratings = events.map((e) => e.rating).filter((r): r is number => r !== null);
  const windows = {} as Record<keyof typeof WINDOWS, number>;
  for (const [name, width] of Object.entries(WINDOWS) as [keyof typeof WINDOWS, number][]) {
    windows[name] = events.filter((e) => inWindow(e, clock, width)).length;
  }
  return {
    total_interactions: events.length,
    n_view: countType(events, 'view'),
    n_click: countType(events, 'click'),
    n_add_to_cart: countType(events, 'add_to_cart'),
    n_purchase: countType(events, 'purchase'),
    n_like: countType(events, 'like'),
    n_rate: countType(events, 'rate'),
    rating_count: ratings.length,
    avg_rating: ratings.length === 0 ? null : ratings.reduce((a, b) => a + b, 0) / ratings.length,
    // A loop, not Math.min(...times): spreading a hot item's million events overflows the stack.
    first_event_time: events.reduce((min, e) => Math.min(min, e.event_time), Infinity),
    last_event_time: events.reduce((max, e) => Math.max(max, e.event_time), -Infinity),
    ...windows,
  };
}

export function userFeatures(
  events: Interaction[],
  clock: number,
  catalog: Map<string, CatalogEntry> = new Map(),
): UserFeatureValues {
  const common = commonFeatures(events, clock);
  const categoryOf = (e: Interaction) => catalog.get(e.item_id)?.category ?? null;

  const latestByItem = new Map<string, number>();
  for (const e of events)
    latestByItem.set(e.item_id, Math.max(latestByItem.get(e.item_id) ?? -Infinity, e.event_time));
  const recent_items = [...latestByItem.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, 20)
    .map(([item]) => item);

  const perCategory = new Map<string, number>();
  for (const e of events) {
    const c = categoryOf(e);
    if (c !== null) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
  }
  let favorite_category: string | null = null;
  for (const [c, n] of [...perCategory.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (favorite_category === null || n > perCategory.get(favorite_category)!) favorite_category = c;
  }

  const purchases = events.filter((e) => e.event_type === 'purchase');
  const monetary_value = purchases.reduce(
    (sum, e) => sum + (e.price ?? catalog.get(e.item_id)?.price ?? 0),
    0,
  );

  return {
    ...common,
    unique_items: new Set(events.map((e) => e.item_id)).size,
    active_days: new Set(events.map((e) => new Date(e.event_time).toISOString().slice(0, 10))).size,
    purchases_7d: purchases.filter((e) => inWindow(e, clock, 7 * DAY)).length,
    purchases_30d: purchases.filter((e) => inWindow(e, clock, 30 * DAY)).length,
    conversion_rate: ratio(common.n_purchase, common.n_view),
    recent_items,
    favorite_category,
    monetary_value,
    avg_price_point: ratio(monetary_value, common.n_purchase),
    diversity_score: perCategory.size / events.length,
  };
}

export function itemFeatures(events: Interaction[], clock: number): ItemFeatureValues {
  const common = commonFeatures(events, clock);
  const popularity_score = events.reduce(
    (sum, e) => sum + POPULARITY_WEIGHT[e.event_type] * Math.pow(0.5, (clock - e.event_time) / DAY),
    0,
  );
  return {
    ...common,
    unique_users: new Set(events.map((e) => e.user_id)).size,
    ctr: ratio(common.n_click, common.n_view),
    purchase_rate: ratio(common.n_purchase, common.n_view),
    popularity_score,
    trending_score: common.cnt_7d === 0 ? null : common.cnt_24h / (common.cnt_7d / 7),
  };
}

export interface OracleResult {
  clock: number;
  users: Map<string, UserFeatureValues>;
  items: Map<string, ItemFeatureValues>;
}

/** Every user's and item's features over the whole input, at the pipeline clock (or `clock`). */
export function computeFeatures(input: OracleInput, clock?: number): OracleResult {
  const events = distinctEvents(input.interactions);
  const at = clock ?? pipelineClock(events);
  const users = new Map<string, UserFeatureValues>();
  for (const [user, list] of groupBy(events, (e) => e.user_id))
    users.set(user, userFeatures(list, at, input.catalog));
  const items = new Map<string, ItemFeatureValues>();
  for (const [item, list] of groupBy(events, (e) => e.item_id)) items.set(item, itemFeatures(list, at));
  return { clock: at, users, items };
}

/** The distinct events of one user or item, for re-evaluating windowed values at another clock. */
export function eventsOf(input: OracleInput, by: 'user' | 'item', id: string): Interaction[] {
  return distinctEvents(input.interactions).filter((e) => (by === 'user' ? e.user_id : e.item_id) === id);
}
