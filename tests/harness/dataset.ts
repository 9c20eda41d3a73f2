import { EVENT_TYPES, type EventType, type Interaction, type Item } from '../../schemas/types.js';

/**
 * Deterministic test data: an item catalog and interactions with the awkward parts real streams
 * have — a Zipf-like hot set of items, late events (up to 40 days behind), exact duplicates (the
 * same event_id sent again), equal event times, items without category or price.
 */

export interface DatasetOptions {
  seed?: number;
  users: number;
  items: number;
  events: number;
  /** The interactions span this many days, ending at `end`. */
  days?: number;
  end?: number;
  /** Fraction of events re-sent later with the same event_id. */
  duplicateRate?: number;
  /** Fraction of events whose time is moved up to 40 days into the past. */
  lateRate?: number;
}

export interface Dataset {
  items: Item[];
  interactions: Interaction[];
}

/** mulberry32: small, fast, and the same sequence on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ['Books', 'Electronics', 'Garden', 'Home', 'Sports', 'Toys'];
const TYPE_WEIGHTS: [EventType, number][] = [
  ['view', 0.55],
  ['click', 0.2],
  ['add_to_cart', 0.08],
  ['purchase', 0.05],
  ['like', 0.07],
  ['rate', 0.05],
];

export function makeDataset(o: DatasetOptions): Dataset {
  const random = rng(o.seed ?? 7);
  const days = o.days ?? 20;
  const end = o.end ?? Date.UTC(2024, 5, 1);
  const start = end - days * 86_400_000;
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;

  const items: Item[] = [];
  for (let i = 0; i < o.items; i++) {
    items.push({
      item_id: `item-${i}`,
      title: `Item ${i}`,
      category: random() < 0.1 ? null : pick(CATEGORIES),
      subcategory: null,
      brand: null,
      price: random() < 0.15 ? null : Math.round(random() * 20000) / 100,
      description: null,
      is_active: true,
      attributes: {},
      created_at: null,
      source: 'test',
      ingest_time: start,
    });
  }

  // Zipf-like popularity: item k drawn with weight 1/(k+1).
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 0; k < o.items; k++) cumulative.push((total += 1 / (k + 1)));
  const pickItem = () => {
    const x = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return `item-${lo}`;
  };
  const pickType = (): EventType => {
    let x = random();
    for (const [type, w] of TYPE_WEIGHTS) if ((x -= w) < 0) return type;
    return EVENT_TYPES[0];
  };

  const interactions: Interaction[] = [];
  for (let n = 0; n < o.events; n++) {
    if (interactions.length > 0 && random() < (o.duplicateRate ?? 0.02)) {
      interactions.push({ ...pick(interactions) });
      continue;
    }
    const type = pickType();
    // Time advances with the sequence (a second-resolution grid gives equal times too).
    let time = start + Math.floor(((n + random() * 50) / o.events) * days * 86_400) * 1000;
    if (random() < (o.lateRate ?? 0.03)) time -= Math.floor(random() * 40 * 86_400) * 1000;
    interactions.push({
      event_id: `ev-${o.seed ?? 7}-${n}`,
      user_id: `user-${Math.floor(Math.pow(random(), 1.5) * o.users)}`,
      item_id: pickItem(),
      event_type: type,
      rating: type === 'rate' ? 1 + Math.floor(random() * 9) / 2 : random() < 0.02 ? 4 : null,
      event_time: Math.min(time, end),
      session_id: null,
      device_type: null,
      page_context: null,
      price: type === 'purchase' && random() < 0.6 ? Math.round(random() * 10000) / 100 : null,
      source: 'test',
      ingest_time: end,
    });
  }
  return { items, interactions };
}
