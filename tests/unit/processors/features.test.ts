import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecayed } from '../../../processors/features/decayed-sum.js';
import { addRecentItem } from '../../../processors/features/recent-items.js';
import { itemFeaturesSpec } from '../../../processors/specs/item-features.js';
import { userFeaturesSpec } from '../../../processors/specs/user-features.js';
import { EVENT_TYPES, type Interaction } from '../../../schemas/types.js';
import { decayedValueAt, type RecentItem } from '../../../sinks/redis/feature-state.js';
import {
  favoriteCategory,
  itemFeatureValues,
  userFeatureValues,
} from '../../../sinks/redis/feature-values.js';
import { computeFeatures, type CatalogEntry } from '../../oracle/batch-features.js';
import { featureDifferences } from '../../oracle/compare.js';
import { DAY, HOUR, MemoryPartitionStore, T0, event, records } from './helpers.js';

function userStore(catalog = new Map<string, CatalogEntry>(), horizonMs?: number) {
  return new MemoryPartitionStore(userFeaturesSpec, { join: (item) => catalog.get(item), horizonMs });
}

describe('windows', () => {
  it('count event times in (clock - W, clock] at every width', () => {
    const store = userStore();
    const clock = T0;
    const events = [
      event({ event_time: clock - HOUR }), // out of 1h: the lower bound is excluded
      event({ event_time: clock - HOUR + 1 }),
      event({ event_time: clock - DAY }),
      event({ event_time: clock - 7 * DAY + 1, event_type: 'purchase' }),
      event({ event_time: clock - 7 * DAY, event_type: 'purchase' }),
      event({ event_time: clock - 30 * DAY + 1 }),
      event({ event_time: clock - 30 * DAY }),
      event({ event_time: clock }),
    ];
    store.apply(records(events));
    const f = userFeatureValues(store.state('u1')!, clock);
    expect([f.cnt_1h, f.cnt_24h, f.cnt_7d, f.cnt_30d]).toEqual([2, 3, 5, 7]);
    expect([f.purchases_7d, f.purchases_30d]).toEqual([1, 2]);
    expect(f.total_interactions).toBe(8);
  });

  it('shrink when read later against a clock moved on by other entities', () => {
    const store = userStore();
    store.apply(
      records([event({ user_id: 'a', event_time: T0 }), event({ user_id: 'b', event_time: T0 + 2 * HOUR })]),
    );
    expect(store.clock).toBe(T0 + 2 * HOUR);
    const a = userFeatureValues(store.state('a')!, store.clock!);
    expect(a.cnt_1h).toBe(0);
    expect(a.cnt_24h).toBe(1);
    expect(userFeatureValues(store.state('a')!, T0).cnt_1h).toBe(1);
  });

  it('keep only times within 30 days of the clock, and a late event lands in its window', () => {
    const store = userStore();
    store.apply(records([event({ event_time: T0 - 40 * DAY }), event({ event_time: T0 })], 0));
    expect(store.state('u1')!.windowTimes).toEqual([T0]);
    // Late: an hour behind the clock, then one older than every window.
    store.apply(records([event({ event_time: T0 - HOUR / 2 }), event({ event_time: T0 - 31 * DAY })], 2));
    const f = userFeatureValues(store.state('u1')!, T0);
    expect([f.cnt_1h, f.cnt_30d, f.total_interactions]).toEqual([2, 2, 4]);
    expect(f.first_event_time).toBe(T0 - 40 * DAY);
    expect(store.state('u1')!.windowTimes).toEqual([T0 - HOUR / 2, T0]);
  });
});

describe('recent_items', () => {
  const ids = (list: RecentItem[]) => list.map((r) => r.item);

  it('orders newest first, equal times by item id ascending', () => {
    const list: RecentItem[] = [];
    addRecentItem(list, 'b', 10);
    addRecentItem(list, 'c', 10);
    addRecentItem(list, 'a', 10);
    addRecentItem(list, 'z', 11);
    expect(ids(list)).toEqual(['z', 'a', 'b', 'c']);
  });

  it('ranks an item by its latest event and keeps it once', () => {
    const list: RecentItem[] = [];
    addRecentItem(list, 'a', 10);
    addRecentItem(list, 'b', 20);
    addRecentItem(list, 'a', 30);
    addRecentItem(list, 'a', 5); // older event of a listed item: no change
    expect(list).toEqual([
      { item: 'a', time: 30 },
      { item: 'b', time: 20 },
    ]);
  });

  it('keeps 20, and a late event of a dropped item stays out unless it ranks in', () => {
    const list: RecentItem[] = [];
    for (let i = 0; i < 25; i++) addRecentItem(list, `i${String(i).padStart(2, '0')}`, 100 + i);
    expect(list).toHaveLength(20);
    expect(list[19]!.item).toBe('i05');
    addRecentItem(list, 'i00', 104); // still below the 20th (105)
    expect(ids(list)).not.toContain('i00');
    addRecentItem(list, 'i00', 105); // ties the 20th on time, wins on id
    expect(list[19]).toEqual({ item: 'i00', time: 105 });
    expect(ids(list)).not.toContain('i05');
  });
});

describe('favorite_category', () => {
  it('is the category with most events, ties alphabetically first, null without categories', () => {
    expect(favoriteCategory(new Map())).toBeNull();
    expect(
      favoriteCategory(
        new Map([
          ['Toys', 2],
          ['Books', 2],
          ['Garden', 1],
        ]),
      ),
    ).toBe('Books');
    expect(
      favoriteCategory(
        new Map([
          ['b', 1],
          ['B', 1],
        ]),
      ),
    ).toBe('B');
  });

  it('counts each event for its item category as the catalog knew it', () => {
    const catalog = new Map<string, CatalogEntry>([
      ['i1', { category: 'Toys', price: 5 }],
      ['i2', { category: 'Books', price: 7 }],
      ['i3', { category: null, price: 9 }],
    ]);
    const store = userStore(catalog);
    store.apply(
      records([
        event({ item_id: 'i1' }),
        event({ item_id: 'i2', event_type: 'purchase' }),
        event({ item_id: 'i3', event_type: 'purchase', price: 2.5 }),
        event({ item_id: 'i4', event_type: 'purchase' }),
      ]),
    );
    const f = userFeatureValues(store.state('u1')!, T0);
    expect(f.favorite_category).toBe('Books');
    expect(f.diversity_score).toBe(2 / 4);
    expect(f.monetary_value).toBe(7 + 2.5 + 0);
    expect(f.avg_price_point).toBe(9.5 / 3);
  });
});

describe('popularity_score', () => {
  it('is the decayed weighted sum whatever the event order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 90 * DAY }), fc.constantFrom(1, 2, 3, 5)), {
          minLength: 1,
          maxLength: 60,
        }),
        (events) => {
          const sum = { value: 0, ref: Number.NEGATIVE_INFINITY };
          for (const [t, w] of events) addDecayed(sum, w, T0 + t);
          const clock = T0 + Math.max(...events.map(([t]) => t)) + 5 * HOUR;
          const expected = events.reduce((s, [t, w]) => s + w * Math.pow(0.5, (clock - T0 - t) / DAY), 0);
          const got = decayedValueAt(sum, clock);
          expect(Math.abs(got - expected)).toBeLessThanOrEqual(1e-9 * Math.max(expected, 1e-300));
        },
      ),
    );
  });

  it('halves every 24h of clock', () => {
    const store = new MemoryPartitionStore(itemFeaturesSpec);
    store.apply(
      records([event({ event_type: 'purchase' }), event({ event_type: 'view', event_time: T0 - DAY })]),
    );
    const s = store.state('i1')!;
    expect(itemFeatureValues(s, T0).popularity_score).toBeCloseTo(5.5, 12);
    expect(itemFeatureValues(s, T0 + DAY).popularity_score).toBeCloseTo(2.75, 12);
  });
});

describe('dedupe and offsets', () => {
  it('counts an event_id once within a batch and across batches', () => {
    const store = userStore();
    const e = event();
    const p1 = store.apply(records([e, { ...e }, event()], 0));
    expect(p1.applied).toHaveLength(2);
    expect(p1.skipped.duplicate).toBe(1);
    const p2 = store.apply(records([{ ...e, ingest_time: T0 + 5 }], 3));
    expect(p2.applied).toHaveLength(0);
    expect(p2.skipped.duplicate).toBe(1);
    expect(userFeatureValues(store.state('u1')!, T0).total_interactions).toBe(2);
  });

  it('skips offsets at or below the stored offset (a redelivered batch)', () => {
    const store = userStore();
    const batch = records([event(), event(), event()], 10);
    store.apply(batch);
    const again = store.apply([...batch, ...records([event()], 13)]);
    expect(again.skipped.belowStoredOffset).toBe(3);
    expect(again.applied.map((r) => r.offset)).toEqual([13]);
    expect(userFeatureValues(store.state('u1')!, T0).total_interactions).toBe(4);
  });

  it('forgets event ids older than the horizon behind the clock', () => {
    const store = userStore(new Map(), 30 * DAY);
    const old = event({ event_time: T0 - 31 * DAY });
    const recent = event({ event_time: T0 - 29 * DAY });
    store.apply(records([old, recent, event({ event_time: T0 })], 0));
    expect(store.dedupe.has(old.event_id)).toBe(false);
    expect(store.dedupe.has(recent.event_id)).toBe(true);
    // Not yet pruned (the set is pruned lazily) is not the same as recognised.
    store.dedupe.set(old.event_id, old.event_time);
    const p = store.apply(records([{ ...old }, { ...recent }], 3));
    expect(p.applied.map((r) => r.event.event_id)).toEqual([old.event_id]);
    expect(p.skipped.duplicate).toBe(1);
  });

  it('applies repartitioned records of its own version once per origin offset', () => {
    const store = new MemoryPartitionStore(itemFeaturesSpec, { version: 'v2', repartitioned: true });
    const [a, b, c] = [event(), event(), event()];
    store.apply(
      records([a, b, c], 0, [
        { version: 'v2', originPartition: 0, originOffset: 5 },
        { version: 'v1', originPartition: 0, originOffset: 6 },
        { version: 'v2', originPartition: 1, originOffset: 5 },
      ]),
    );
    // A crash before EXEC on the user side re-produces origin offsets 5 and 6 of partition 0.
    const p = store.apply(
      records([{ ...a, event_id: 'copy-a' }, event()], 3, [
        { version: 'v2', originPartition: 0, originOffset: 5 },
        { version: 'v2', originPartition: 0, originOffset: 6 },
      ]),
    );
    expect(p.skipped.reproduced).toBe(1);
    expect(p.applied).toHaveLength(1);
    expect(itemFeatureValues(store.state('i1')!, T0).total_interactions).toBe(3);
    expect(store.origin).toEqual(
      new Map([
        [0, 6],
        [1, 5],
      ]),
    );
  });

  it('dead-letters only rejections above the stored offset', () => {
    const store = userStore();
    const rejected = {
      kind: 'rejected' as const,
      offset: 1,
      code: 'x',
      reason: 'x: bad',
      field: null,
      raw: null,
      rawKey: null,
    };
    expect(store.apply([...records([event()], 0), rejected]).rejected).toHaveLength(1);
    expect(store.apply([...records([event()], 0), rejected, ...records([event()], 2)]).rejected).toHaveLength(
      0,
    );
  });
});

describe('streaming equals the batch oracle', () => {
  const categories = ['Books', 'Toys', 'Garden', null] as const;
  const catalog = new Map<string, CatalogEntry>(
    Array.from({ length: 8 }, (_, i) => [
      `i${i}`,
      { category: categories[i % 4]!, price: i % 3 === 0 ? null : i * 1.25 },
    ]),
  );
  const arbEvent = fc.record({
    user: fc.integer({ min: 0, max: 3 }),
    item: fc.integer({ min: 0, max: 9 }),
    type: fc.constantFrom(...EVENT_TYPES),
    offset: fc.integer({ min: -40 * DAY, max: 0 }),
    rating: fc.option(fc.constantFrom(1, 2.5, 4, 5), { nil: null }),
    price: fc.option(fc.constantFrom(0, 3.5, 10), { nil: null }),
    duplicateOf: fc.option(fc.nat(), { nil: null }),
  });

  it('for any arrival order, batch split and duplicates', () => {
    fc.assert(
      fc.property(
        fc.array(arbEvent, { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer({ min: 1, max: 7 })),
        (specs, cuts) => {
          const events: Interaction[] = [];
          specs.forEach((s, i) => {
            if (s.duplicateOf !== null && events.length > 0) {
              events.push({ ...events[s.duplicateOf % events.length]!, ingest_time: T0 + i });
              return;
            }
            events.push(
              event({
                event_id: `p${i}`,
                user_id: `u${s.user}`,
                item_id: `i${s.item}`,
                event_type: s.type,
                rating: s.rating,
                price: s.price,
                event_time: T0 + s.offset,
              }),
            );
          });
          // Long horizon: the oracle recognises every copy.
          const users = userStore(catalog, 365 * DAY);
          const items = new MemoryPartitionStore(itemFeaturesSpec, { horizonMs: 365 * DAY });
          let at = 0;
          let cut = 0;
          while (at < events.length) {
            const size = cuts.length > 0 ? cuts[cut++ % cuts.length]! : events.length;
            const slice = events.slice(at, at + size);
            users.apply(records(slice, at));
            items.apply(records(slice, at));
            at += size;
          }
          const oracle = computeFeatures({ interactions: events, catalog });
          expect(users.clock).toBe(oracle.clock);
          const diffs: string[] = [];
          for (const [id, expected] of oracle.users) {
            diffs.push(
              ...featureDifferences(
                `user ${id}`,
                { ...userFeatureValues(users.state(id)!, oracle.clock) },
                { ...expected },
              ),
            );
          }
          for (const [id, expected] of oracle.items) {
            diffs.push(
              ...featureDifferences(
                `item ${id}`,
                { ...itemFeatureValues(items.state(id)!, oracle.clock) },
                { ...expected },
              ),
            );
          }
          expect(diffs).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
