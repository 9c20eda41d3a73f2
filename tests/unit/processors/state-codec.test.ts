import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemFeaturesSpec } from '../../../processors/specs/item-features.js';
import { userFeaturesSpec } from '../../../processors/specs/user-features.js';
import { fieldNames } from '../../../schemas/avro.js';
import { EVENT_TYPES, type Interaction } from '../../../schemas/types.js';
import type { ItemState, UserState } from '../../../sinks/redis/feature-state.js';
import {
  ITEM_EVALUATORS,
  USER_EVALUATORS,
  itemFeatureValues,
  itemValues,
  itemValuesOf,
  userFeatureValues,
  userValues,
  userValuesOf,
} from '../../../sinks/redis/feature-values.js';
import {
  decodeItemState,
  decodeUserState,
  encodeItemState,
  encodeUserState,
  hashFormat,
  type HashFields,
  type RawHash,
} from '../../../sinks/redis/state-codec.js';
import { itemInputOf, userInputOf } from '../../../sinks/redis/state-view.js';
import { format1ItemFields, format1UserFields } from '../../harness/format1-state.js';
import { DAY, HOUR, MemoryPartitionStore, T0, event, records } from './helpers.js';

/** A hash as the store returns it (binary values), and as HGETALL's flat reply. */
function raw(fields: HashFields): RawHash {
  const hash: RawHash = {};
  for (const [k, v] of Object.entries(fields)) hash[k] = Buffer.isBuffer(v) ? v : Buffer.from(v);
  return hash;
}
function flat(fields: HashFields): Buffer[] {
  return Object.entries(raw(fields)).flatMap(([k, v]) => [Buffer.from(k), v]);
}

const CATEGORIES = ['books', 'games', 'música', 'toys', '家電'];

/** Events of a few users and items over 40 days, with ratings, prices and unicode ids. */
const eventsArb = fc.array(
  fc.record({
    user: fc.constantFrom('u1', 'u2', 'ü3'),
    item: fc.constantFrom('i1', 'i2', 'i"3', 'ítem-4', 'i5', 'i6'),
    type: fc.constantFrom(...EVENT_TYPES),
    offset: fc.integer({ min: -40 * DAY, max: 0 }),
    rating: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    price: fc.option(fc.double({ min: 0.01, max: 999, noNaN: true }), { nil: null }),
  }),
  { minLength: 1, maxLength: 60 },
);

type Rows = typeof eventsArb extends fc.Arbitrary<infer T> ? T : never;

function toEvents(rows: Rows): Interaction[] {
  return rows.map((r) =>
    event({
      user_id: r.user,
      item_id: r.item,
      event_type: r.type,
      event_time: T0 + r.offset,
      rating: r.type === 'rate' ? r.rating : null,
      price: r.price,
    }),
  );
}

function storesOf(events: Interaction[]) {
  const catalog = (item: string) => ({ category: CATEGORIES[item.length % CATEGORIES.length]!, price: 2.5 });
  const users = new MemoryPartitionStore(userFeaturesSpec, { join: catalog });
  const items = new MemoryPartitionStore(itemFeaturesSpec);
  // Two batches, so stored state is decoded and extended once.
  const half = Math.ceil(events.length / 2);
  users.apply(records(events.slice(0, half)));
  users.apply(records(events.slice(half), half));
  items.apply(records(events.slice(0, half)));
  items.apply(records(events.slice(half), half));
  return { users, items };
}

const clocks = [T0, T0 + HOUR / 2, T0 + 3 * HOUR, T0 + 2 * DAY, T0 + 8 * DAY, T0 + 31 * DAY];

describe('state format 2', () => {
  it('round-trips every user and item state, and writes only `format` and `state`', () => {
    fc.assert(
      fc.property(eventsArb, (rows) => {
        const { users, items } = storesOf(toEvents(rows));
        for (const [id, hash] of users.hashes) {
          expect(Object.keys(hash).sort()).toEqual(['format', 'state']);
          expect(hash.format!.toString()).toBe('2');
          const state = users.state(id)!;
          expect(decodeUserState(raw(encodeUserState(state)))).toEqual(state);
        }
        for (const id of items.hashes.keys()) {
          const state = items.state(id)!;
          expect(decodeItemState(raw(encodeItemState(state)))).toEqual(state);
        }
      }),
    );
  });

  it('gives the reader the features the processors compute, at any later clock', () => {
    fc.assert(
      fc.property(eventsArb, (rows) => {
        const { users, items } = storesOf(toEvents(rows));
        for (const [id, hash] of users.hashes) {
          const state = users.state(id)!;
          const view = userInputOf(flat(hash))!;
          for (const clock of clocks)
            expect(userValues(view, clock)).toEqual(userFeatureValues(state, clock));
          expect(view.updatedAt).toBe(state.updatedAt);
        }
        for (const [id, hash] of items.hashes) {
          const state = items.state(id)!;
          const view = itemInputOf(flat(hash))!;
          for (const clock of clocks)
            expect(itemValues(view, clock)).toEqual(itemFeatureValues(state, clock));
        }
      }),
    );
  });

  it('computes a selection of features (?fields=) equal to the same features of the whole record', () => {
    const userNames = Object.keys(USER_EVALUATORS) as (keyof typeof USER_EVALUATORS)[];
    const itemNames = Object.keys(ITEM_EVALUATORS) as (keyof typeof ITEM_EVALUATORS)[];
    // Every feature has an evaluator: a new feature without one would be missing from selections.
    const header = ['user_id', 'item_id', 'version', 'as_of', 'updated_at'];
    const schemaNames = (record: 'UserFeatures' | 'ItemFeatures') =>
      fieldNames(record)
        .filter((f) => !header.includes(f))
        .sort();
    expect([...userNames].sort()).toEqual(schemaNames('UserFeatures'));
    expect([...itemNames].sort()).toEqual(schemaNames('ItemFeatures'));
    fc.assert(
      fc.property(
        eventsArb,
        fc.subarray(userNames, { minLength: 1 }),
        fc.subarray(itemNames, { minLength: 1 }),
        (rows, someUser, someItem) => {
          const { users, items } = storesOf(toEvents(rows));
          for (const hash of users.hashes.values()) {
            const view = userInputOf(flat(hash))!;
            for (const clock of clocks) {
              const whole = userValues(view, clock);
              const picked = userValuesOf(view, clock, someUser);
              expect(Object.keys(picked)).toEqual(someUser);
              for (const name of someUser) expect(picked[name]).toEqual(whole[name]);
              expect(userValuesOf(view, clock, userNames)).toEqual(whole);
            }
          }
          for (const hash of items.hashes.values()) {
            const view = itemInputOf(flat(hash))!;
            for (const clock of clocks) {
              const whole = itemValues(view, clock);
              const picked = itemValuesOf(view, clock, someItem);
              expect(Object.keys(picked)).toEqual(someItem);
              for (const name of someItem) expect(picked[name]).toEqual(whole[name]);
              expect(itemValuesOf(view, clock, itemNames)).toEqual(whole);
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('state format 1 (written by earlier versions)', () => {
  function format1(rows: Rows) {
    const { users, items } = storesOf(toEvents(rows));
    const userStates = new Map<string, UserState>(
      [...users.hashes.keys()].map((id) => [id, users.state(id)!]),
    );
    const itemStates = new Map<string, ItemState>(
      [...items.hashes.keys()].map((id) => [id, items.state(id)!]),
    );
    return { userStates, itemStates };
  }

  it('decodes to the same state, and the reader evaluates it the same', () => {
    fc.assert(
      fc.property(eventsArb, (rows) => {
        const { userStates, itemStates } = format1(rows);
        for (const state of userStates.values()) {
          const fields = format1UserFields(state);
          expect(hashFormat(raw(fields))).toBe(1);
          expect(decodeUserState(raw(fields))).toEqual(state);
          const view = userInputOf(flat(fields))!;
          for (const clock of clocks)
            expect(userValues(view, clock)).toEqual(userFeatureValues(state, clock));
        }
        for (const state of itemStates.values()) {
          const fields = format1ItemFields(state);
          expect(decodeItemState(raw(fields))).toEqual(state);
          const view = itemInputOf(flat(fields))!;
          for (const clock of clocks)
            expect(itemValues(view, clock)).toEqual(itemFeatureValues(state, clock));
        }
      }),
      { numRuns: 50 },
    );
  });

  it('is rewritten in format 2 by the next batch of the entity, counts carried over', () => {
    const users = new MemoryPartitionStore(userFeaturesSpec);
    users.apply(records([event({ user_id: 'old', event_time: T0 - HOUR })]));
    users.hashes.set('old', raw(format1UserFields(users.state('old')!)));
    expect(hashFormat(users.hashes.get('old')!)).toBe(1);
    users.apply(records([event({ user_id: 'old', event_time: T0 })], 1));
    expect(hashFormat(users.hashes.get('old')!)).toBe(2);
    expect(userFeatureValues(users.state('old')!, T0)).toMatchObject({ total_interactions: 2, cnt_1h: 1 });
  });
});

describe('format detection', () => {
  it('tells empty, format-1 and format-2 hashes apart, and refuses what it does not know', () => {
    expect(hashFormat({})).toBeNull();
    expect(userInputOf([])).toBeNull();
    expect(() => hashFormat(raw({ format: '3', state: Buffer.alloc(0) }))).toThrow(/format 3 is unknown/);
    expect(() => userInputOf(flat({ format: '3', state: Buffer.alloc(0) }))).toThrow(/format 3 is unknown/);
    expect(() => hashFormat(raw({ something: 'else' }))).toThrow(/neither a format field/);
  });
});
