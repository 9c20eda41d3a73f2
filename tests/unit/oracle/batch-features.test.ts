import { describe, expect, it } from 'vitest';
import { computeFeatures, type CatalogEntry } from '../../oracle/batch-features.js';
import { featureDifferences } from '../../oracle/compare.js';
import type { EventType, Interaction } from '../../../schemas/types.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2024, 5, 10, 12); // the last event: the clock

let seq = 0;
function ev(
  user: string,
  item: string,
  type: EventType,
  time: number,
  extra: Partial<Interaction> = {},
): Interaction {
  seq += 1;
  return {
    event_id: `e${seq}`,
    user_id: user,
    item_id: item,
    event_type: type,
    rating: null,
    event_time: time,
    session_id: null,
    device_type: null,
    page_context: null,
    price: null,
    source: 'test',
    ingest_time: 0,
    ...extra,
  };
}

const catalog = new Map<string, CatalogEntry>([
  ['a', { category: 'books', price: 10 }],
  ['b', { category: 'audio', price: 30 }],
  ['c', { category: null, price: null }],
]);

describe('batch oracle on a hand-computed case', () => {
  const duplicate = ev('u1', 'a', 'view', T0 - 2 * D);
  const interactions = [
    duplicate,
    { ...duplicate }, // same event_id: one event
    ev('u1', 'a', 'purchase', T0 - 2 * D + 1000), // catalog price 10
    ev('u1', 'b', 'purchase', T0 - 30 * 60_000, { price: 25 }), // event price wins
    ev('u1', 'b', 'rate', T0 - 8 * D, { rating: 4 }),
    ev('u1', 'c', 'view', T0 - H), // exactly 1h before the clock: outside cnt_1h
    ev('u2', 'b', 'click', T0, { rating: 2 }),
  ];
  const { clock, users, items } = computeFeatures({ interactions, catalog });

  it('uses the largest event time as the clock', () => {
    expect(clock).toBe(T0);
  });

  it('computes every user feature', () => {
    expect(users.get('u1')).toEqual({
      total_interactions: 5,
      n_view: 2,
      n_click: 0,
      n_add_to_cart: 0,
      n_purchase: 2,
      n_like: 0,
      n_rate: 1,
      unique_items: 3,
      rating_count: 1,
      avg_rating: 4,
      first_event_time: T0 - 8 * D,
      last_event_time: T0 - 30 * 60_000,
      active_days: 3, // Jun 2 (rate), Jun 8 (view, purchase), Jun 10 (purchase, view)
      cnt_1h: 1,
      cnt_24h: 2,
      cnt_7d: 4,
      cnt_30d: 5,
      purchases_7d: 2,
      purchases_30d: 2,
      conversion_rate: 1,
      recent_items: ['b', 'c', 'a'],
      favorite_category: 'audio', // audio 2 (purchase, rate), books 2 (view, purchase): tie -> alphabetical
      monetary_value: 35,
      avg_price_point: 17.5,
      diversity_score: 2 / 5,
    });
  });

  it('computes every item feature', () => {
    const b = items.get('b')!;
    expect(b).toMatchObject({
      total_interactions: 3,
      n_purchase: 1,
      n_rate: 1,
      n_click: 1,
      unique_users: 2,
      rating_count: 2,
      avg_rating: 3,
      cnt_1h: 2,
      cnt_24h: 2,
      cnt_7d: 2,
      cnt_30d: 3,
      ctr: null,
      purchase_rate: null,
      trending_score: 7,
    });
    // purchase 30 min ago (5 * 0.5^(1/48)), rate 8 days ago (1 * 0.5^8), click now (2)
    expect(b.popularity_score).toBeCloseTo(5 * Math.pow(0.5, 1 / 48) + Math.pow(0.5, 8) + 2, 12);
    expect(items.get('a')).toMatchObject({
      n_view: 1,
      n_purchase: 1,
      ctr: 0,
      purchase_rate: 1,
      unique_users: 1,
    });
  });

  it('leaves favorite_category null when no event has a category', () => {
    const only = computeFeatures({ interactions: [ev('u3', 'c', 'view', T0)], catalog });
    expect(only.users.get('u3')).toMatchObject({
      favorite_category: null,
      diversity_score: 0,
      monetary_value: 0,
      avg_price_point: null,
    });
  });

  it('breaks recent_items ties by item id and keeps 20', () => {
    const many = Array.from({ length: 25 }, (_, i) =>
      ev('u4', `i${String(i).padStart(2, '0')}`, 'view', T0 - (i < 5 ? 0 : i * 1000)),
    );
    const r = computeFeatures({ interactions: many }).users.get('u4')!;
    expect(r.recent_items.slice(0, 6)).toEqual(['i00', 'i01', 'i02', 'i03', 'i04', 'i05']);
    expect(r.recent_items).toHaveLength(20);
  });

  it('reports differences field by field, with the float tolerance', () => {
    const u1 = users.get('u1')! as unknown as Record<string, unknown>;
    expect(featureDifferences('u1', { ...u1, monetary_value: 35 + 1e-12 }, u1)).toEqual([]);
    expect(featureDifferences('u1', { ...u1, n_view: 3 }, u1)).toEqual(['u1.n_view: got 3, expected 2']);
    expect(featureDifferences('u1', undefined, u1)).toEqual(['u1: missing']);
  });
});

describe('batch oracle on large inputs', () => {
  it('handles an item with a million events without overflowing the stack', () => {
    const many = Array.from({ length: 1_000_000 }, (_, i) => ev(`u${i % 1000}`, 'hot', 'view', T0 - i));
    const { items } = computeFeatures({ interactions: many });
    expect(items.get('hot')).toMatchObject({
      total_interactions: 1_000_000,
      first_event_time: T0 - 999_999,
      last_event_time: T0,
    });
  });
});
