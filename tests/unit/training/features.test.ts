import { describe, expect, it } from 'vitest';
import { buildDataset, type InteractionRow } from '../../../training/dataset.js';
import {
  featureMatrixFromRecords,
  ITEM_FEATURE_NAMES,
  pointInTimeFeatures,
  snapshotFeatures,
  USER_FEATURE_NAMES,
} from '../../../training/features.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const clock = Date.UTC(2024, 0, 31, 12);

const rows: InteractionRow[] = [
  // u1: two views on day -10, a click 30 min ago, a purchase 2 days ago, a 4-star rating 40 days ago.
  { user_id: 'u1', item_id: 'a', event_type: 'view', rating: null, event_time: clock - 10 * DAY },
  { user_id: 'u1', item_id: 'b', event_type: 'view', rating: null, event_time: clock - 10 * DAY + 1 },
  { user_id: 'u1', item_id: 'a', event_type: 'click', rating: null, event_time: clock - HOUR / 2 },
  { user_id: 'u1', item_id: 'a', event_type: 'purchase', rating: null, event_time: clock - 2 * DAY },
  { user_id: 'u1', item_id: 'c', event_type: 'rate', rating: 4, event_time: clock - 40 * DAY },
  { user_id: 'u2', item_id: 'a', event_type: 'view', rating: null, event_time: clock },
];
const itemFeatures = { a: { category: 'toys' }, b: { category: 'books' }, c: { category: 'books' } };

function valueOf(
  matrix: { names: readonly string[]; values: Float32Array },
  row: number,
  name: string,
): number {
  const f = matrix.names.indexOf(name);
  if (f < 0) throw new Error(`no feature ${name}`);
  return matrix.values[row * matrix.names.length + f];
}

describe('pointInTimeFeatures', () => {
  const data = buildDataset(rows, { itemFeatures });
  const features = pointInTimeFeatures(data, clock);
  const u1 = data.users.indexOf('u1');
  const u2 = data.users.indexOf('u2');
  const a = data.items.indexOf('a');

  it('computes user features by the DESIGN.md definitions', () => {
    const user = (name: string): number => valueOf(features.user, u1, name);
    expect(user('total_interactions')).toBe(5);
    expect(user('n_view')).toBe(2);
    expect(user('n_click')).toBe(1);
    expect(user('n_purchase')).toBe(1);
    expect(user('n_rate')).toBe(1);
    expect(user('unique_items')).toBe(3);
    expect(user('rating_count')).toBe(1);
    expect(user('avg_rating')).toBe(4);
    expect(user('active_days')).toBe(4); // Dec 22, Jan 21 (twice), Jan 29, Jan 31
    expect(user('cnt_1h')).toBe(1);
    expect(user('cnt_24h')).toBe(1);
    expect(user('cnt_7d')).toBe(2);
    expect(user('cnt_30d')).toBe(4);
    expect(user('purchases_7d')).toBe(1);
    expect(user('conversion_rate')).toBe(0.5);
    // 2 distinct categories over 5 events.
    expect(user('diversity_score')).toBeCloseTo(2 / 5, 6);
    expect(user('days_since_first_event')).toBeCloseTo(40, 6);
    expect(user('days_since_last_event')).toBeCloseTo(1 / 48, 6);
    expect(Number.isNaN(valueOf(features.user, u2, 'conversion_rate'))).toBe(false);
    expect(Number.isNaN(valueOf(features.user, u2, 'avg_rating'))).toBe(true);
  });

  it('picks the favourite category with alphabetical tie-breaks', () => {
    // u1: toys 3 events (a), books 2 (b, c) -> toys.
    expect(data.categories.idAt(features.userFavoriteCategory[u1])).toBe('toys');
    const tie = buildDataset(
      [
        { user_id: 'u', item_id: 'a', event_type: 'view', rating: null, event_time: 1 },
        { user_id: 'u', item_id: 'b', event_type: 'view', rating: null, event_time: 2 },
      ],
      { itemFeatures },
    );
    const tieFeatures = pointInTimeFeatures(tie, 2);
    expect(tie.categories.idAt(tieFeatures.userFavoriteCategory[0])).toBe('books');
  });

  it('computes item features, including decayed popularity and trending', () => {
    const item = (name: string): number => valueOf(features.item, a, name);
    expect(item('total_interactions')).toBe(4);
    expect(item('unique_users')).toBe(2);
    expect(item('n_view')).toBe(2);
    expect(item('ctr')).toBe(0.5);
    expect(item('purchase_rate')).toBe(0.5);
    expect(item('cnt_24h')).toBe(2);
    expect(item('cnt_7d')).toBe(3);
    expect(item('trending_score')).toBeCloseTo(2 / (3 / 7), 5);
    // Views weigh 1, click 2, purchase 5, half-life 24 h.
    const expected = Math.pow(2, -10) + 2 * Math.pow(2, -1 / 48) + 5 * Math.pow(2, -2) + 1;
    expect(item('popularity_score')).toBeCloseTo(expected, 5);
  });

  it('ignores events after the clock', () => {
    const earlier = pointInTimeFeatures(data, clock - HOUR);
    // Left: the view 10 days ago and the purchase 2 days ago (not the click 30 min ago, nor u2's view).
    expect(valueOf(earlier.item, a, 'total_interactions')).toBe(2);
    expect(valueOf(earlier.item, a, 'cnt_24h')).toBe(0);
  });
});

describe('snapshot features', () => {
  it('reads numeric fields from records and derives recency from as_of', () => {
    const data = buildDataset(rows, {
      itemFeatures: {
        a: { category: 'toys', ctr: 0.25, popularity_score: 3, last_event_time: clock - DAY, as_of: clock },
      },
      userFeatures: { u1: { total_interactions: 9, favorite_category: 'toys', recent_items: ['a'] } },
    });
    const features = snapshotFeatures(data);
    const a = data.items.indexOf('a');
    expect(valueOf(features.item, a, 'ctr')).toBe(0.25);
    expect(valueOf(features.item, a, 'days_since_last_event')).toBe(1);
    expect(Number.isNaN(valueOf(features.item, a, 'cnt_7d'))).toBe(true);
    expect(valueOf(features.user, data.users.indexOf('u1'), 'total_interactions')).toBe(9);
    expect(data.categories.idAt(features.userFavoriteCategory[data.users.indexOf('u1')])).toBe('toys');
    const matrix = featureMatrixFromRecords(undefined, data.items, ITEM_FEATURE_NAMES);
    expect(matrix.values.every((v) => Number.isNaN(v))).toBe(true);
    expect(USER_FEATURE_NAMES).toContain('conversion_rate');
  });
});
