import type { Interaction, ItemFeatures, UserFeatures } from '../../schemas/types.js';

/**
 * Small deterministic records for tests that need a few valid events and feature records (the
 * processors' test data comes from dataset.ts instead).
 */

const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'like', 'rate'] as const;
const T0 = Date.UTC(2024, 0, 30, 12);

/** A deterministic interaction, 15 minutes apart from the next (400 of them span two months). */
export function interaction(k: number): Interaction {
  const type = EVENT_TYPES[k % EVENT_TYPES.length]!;
  return {
    event_id: `e-${k}`,
    user_id: `u${k % 37}`,
    item_id: `i${k % 53}`,
    event_type: type,
    rating: type === 'rate' ? 1 + (k % 5) : null,
    event_time: T0 + k * 900_000,
    session_id: k % 3 === 0 ? null : `s${Math.floor(k / 10)}`,
    device_type: k % 4 === 0 ? null : ['mobile', 'desktop', 'tablet'][k % 3]!,
    page_context: k % 5 === 0 ? null : 'search',
    price: type === 'purchase' ? 10 + (k % 7) * 1.25 : null,
    source: 'producer',
    ingest_time: T0 + k * 900_000 + 250,
  };
}

/** A feature record as the processors publish it: total_interactions identifies it. */
export function userFeatures(userId: string, version: string, total: number): UserFeatures {
  return {
    user_id: userId,
    version,
    as_of: T0 + total * 1000,
    updated_at: T0 + total * 1000 + 5,
    total_interactions: total,
    n_view: total,
    n_click: 0,
    n_add_to_cart: 0,
    n_purchase: 0,
    n_like: 0,
    n_rate: 0,
    unique_items: Math.min(total, 3),
    rating_count: 0,
    avg_rating: null,
    first_event_time: T0,
    last_event_time: T0 + total * 1000,
    active_days: 1,
    cnt_1h: total,
    cnt_24h: total,
    cnt_7d: total,
    cnt_30d: total,
    purchases_7d: 0,
    purchases_30d: 0,
    conversion_rate: 0,
    recent_items: [`i${total}`, 'i0'],
    favorite_category: total % 2 === 0 ? 'books' : null,
    monetary_value: 0,
    avg_price_point: null,
    diversity_score: 1 / total,
  };
}

export function itemFeatures(itemId: string, version: string, total: number): ItemFeatures {
  return {
    item_id: itemId,
    version,
    as_of: T0 + total * 1000,
    updated_at: T0 + total * 1000 + 5,
    total_interactions: total,
    n_view: total,
    n_click: 1,
    n_add_to_cart: 0,
    n_purchase: 0,
    n_like: 0,
    n_rate: 0,
    unique_users: total,
    rating_count: 0,
    avg_rating: null,
    first_event_time: T0,
    last_event_time: T0 + total * 1000,
    cnt_1h: total,
    cnt_24h: total,
    cnt_7d: total,
    cnt_30d: total,
    ctr: 1 / total,
    purchase_rate: 0,
    popularity_score: total * 0.5,
    trending_score: total % 2 === 0 ? 7 : null,
  };
}
