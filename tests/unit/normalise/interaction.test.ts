import { describe, expect, it } from 'vitest';
import {
  Normaliser,
  deriveEventId,
  normaliseInteraction,
  parseColumnMap,
  type FieldError,
} from '../../../schemas/normalise/index.js';
import type { Interaction } from '../../../schemas/types.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const opts = { source: 'replay:test.csv', now: NOW };

function ok(
  raw: Record<string, unknown>,
  o: Partial<typeof opts> & Record<string, unknown> = {},
): Interaction {
  const r = normaliseInteraction(raw, { ...opts, ...o });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

function errors(raw: Record<string, unknown>, o: Record<string, unknown> = {}): FieldError[] {
  const r = normaliseInteraction(raw, { ...opts, ...o });
  if (r.ok) throw new Error('expected a rejection');
  return r.errors;
}

const base = { user_id: 'u1', item_id: 'i1', event_type: 'view', event_time: '2024-06-01T10:00:00Z' };

describe('interaction normalisation', () => {
  it('fills every field of the schema', () => {
    expect(
      ok({
        ...base,
        session_id: 's1',
        device_type: 'mobile',
        page_context: 'search',
        price: '9.5',
        rating: '',
      }),
    ).toEqual({
      event_id: deriveEventId({
        user_id: 'u1',
        item_id: 'i1',
        event_type: 'view',
        event_time: Date.UTC(2024, 5, 1, 10),
        rating: null,
        session_id: 's1',
      }),
      user_id: 'u1',
      item_id: 'i1',
      event_type: 'view',
      rating: null,
      event_time: Date.UTC(2024, 5, 1, 10),
      session_id: 's1',
      device_type: 'mobile',
      page_context: 'search',
      price: 9.5,
      source: 'replay:test.csv',
      ingest_time: NOW,
    });
  });

  describe('aliases of DESIGN.md', () => {
    it('product_id -> item_id', () => {
      const { item_id: _i, ...rest } = base;
      expect(ok({ ...rest, product_id: 'prod_456' }).item_id).toBe('prod_456');
    });
    it('interaction_type -> event_type', () => {
      const { event_type: _e, ...rest } = base;
      expect(ok({ ...rest, interaction_type: 'purchase' }).event_type).toBe('purchase');
    });
    it('view_mode -> event_type', () => {
      const { event_type: _e, ...rest } = base;
      expect(ok({ ...rest, view_mode: 'add_to_cart' }).event_type).toBe('add_to_cart');
    });
    it('interaction_id -> event_id', () => {
      expect(ok({ ...base, interaction_id: 'int_12345' }).event_id).toBe('int_12345');
    });
    it('timestamp -> event_time', () => {
      const { event_time: _t, ...rest } = base;
      expect(ok({ ...rest, timestamp: '2024-01-15T14:30:00Z' }).event_time).toBe(
        Date.UTC(2024, 0, 15, 14, 30),
      );
    });
    it('a ratings file with no event type -> rate', () => {
      const r = ok({ user_id: 1, item_id: 2, rating: '4', timestamp: '881250949' });
      expect(r.event_type).toBe('rate');
      expect(r.rating).toBe(4);
      expect(r.event_time).toBe(881250949000);
    });
    it('the canonical name wins over an alias when both are present', () => {
      expect(ok({ ...base, product_id: 'other' }).item_id).toBe('i1');
    });
    it('column names are compared in canonical form (userId, "Item ID")', () => {
      const r = ok({ userId: 'u9', 'Item ID': 'i9', EventType: 'click', event_time: '2024-06-01' });
      expect([r.user_id, r.item_id, r.event_type]).toEqual(['u9', 'i9', 'click']);
    });
    it('--map maps any column (MovieLens userId,movieId,rating,timestamp)', () => {
      const n = new Normaliser('interactions', {
        ...opts,
        columnMap: parseColumnMap('userId=user_id,movieId=item_id'),
      });
      const r = n.normalise({ userId: '196', movieId: '242', rating: '3', timestamp: '881250949' });
      expect(r.ok && [r.value.user_id, r.value.item_id, r.value.event_type, r.value.rating]).toEqual([
        '196',
        '242',
        'rate',
        3,
      ]);
    });
    it('lists unknown columns', () => {
      const n = new Normaliser('interactions', opts);
      expect(
        n.unknownColumns(['user_id', 'item_id', 'event_type', 'timestamp', 'referrer', 'ab_group']),
      ).toEqual(['referrer', 'ab_group']);
    });
  });

  describe('ids', () => {
    it('stringifies integer ids, including float-typed exports', () => {
      const r = ok({ ...base, user_id: 1001, item_id: '150.0' });
      expect([r.user_id, r.item_id]).toEqual(['1001', '150']);
    });
    it('trims whitespace', () => {
      expect(ok({ ...base, user_id: '  u1 ' }).user_id).toBe('u1');
    });
  });

  describe('event types', () => {
    it.each([
      ['VIEW', 'view'],
      ['page_view', 'view'],
      ['Add To Cart', 'add_to_cart'],
      ['add-to-cart', 'add_to_cart'],
      ['cart', 'add_to_cart'],
      ['buy', 'purchase'],
      ['transaction', 'purchase'],
      ['Liked', 'like'],
      ['rating', 'rate'],
      ['clicked', 'click'],
    ])('%s -> %s', (input, expected) => {
      expect(ok({ ...base, event_type: input, rating: 3 }).event_type).toBe(expected);
    });
  });

  describe('validation, one reason per rejected field', () => {
    it('requires user_id and item_id', () => {
      expect(errors({ event_type: 'view', event_time: '2024-01-01' })).toEqual([
        { field: 'user_id', reason: 'user_id is required', code: 'required' },
        { field: 'item_id', reason: 'item_id is required', code: 'required' },
      ]);
    });
    it('treats empty and null tokens as missing', () => {
      expect(errors({ ...base, user_id: '' }).map((e) => e.field)).toEqual(['user_id']);
      expect(errors({ ...base, user_id: 'NULL' }).map((e) => e.field)).toEqual(['user_id']);
    });
    it('requires an event type when there is no rating', () => {
      const { event_type: _e, ...rest } = base;
      expect(errors(rest)).toEqual([
        { field: 'event_type', reason: expect.stringMatching(/event_type is required/), code: 'required' },
      ]);
    });
    it('rejects an unknown event type, listing the allowed ones', () => {
      expect(errors({ ...base, event_type: 'teleport' })).toEqual([
        {
          field: 'event_type',
          reason:
            'unknown event_type "teleport" (expected one of view, click, add_to_cart, purchase, like, rate)',
          code: 'unknown_event_type',
        },
      ]);
    });
    it.each([['constructor'], ['toString'], ['__proto__'], ['hasOwnProperty'], ['Value Of']])(
      'rejects %s, a name Object.prototype has, as an unknown event type',
      (event_type) => {
        expect(errors({ ...base, event_type })).toEqual([
          {
            field: 'event_type',
            reason: expect.stringMatching(/unknown event_type/),
            code: 'unknown_event_type',
          },
        ]);
      },
    );
    it.each([['0'], ['5.5'], [6], ['-1']])('rejects rating %s outside 1–5', (rating) => {
      expect(errors({ ...base, rating })).toEqual([
        { field: 'rating', reason: expect.stringMatching(/outside 1\.0–5\.0/), code: 'out_of_range' },
      ]);
    });
    it('accepts ratings at the bounds', () => {
      expect(ok({ ...base, rating: '1' }).rating).toBe(1);
      expect(ok({ ...base, rating: 5.0 }).rating).toBe(5);
    });
    it('rejects a rating that is not a number', () => {
      expect(errors({ ...base, rating: 'great' })).toEqual([
        { field: 'rating', reason: '"great" is not a number', code: 'not_a_number' },
      ]);
    });
    it('requires a rating for event_type rate', () => {
      expect(errors({ ...base, event_type: 'rate' })).toEqual([
        { field: 'rating', reason: 'rating is required for event_type rate', code: 'required' },
      ]);
    });
    it('rejects an unparseable timestamp', () => {
      expect(errors({ ...base, event_time: 'last tuesday' })[0]).toMatchObject({
        field: 'event_time',
        code: 'invalid_timestamp',
      });
    });
    it('rejects a timestamp more than one day in the future', () => {
      const future = new Date(NOW + 25 * 3600_000).toISOString();
      expect(errors({ ...base, event_time: future })).toEqual([
        {
          field: 'event_time',
          reason: expect.stringMatching(/more than 1 day in the future/),
          code: 'future_timestamp',
        },
      ]);
      expect(ok({ ...base, event_time: new Date(NOW + 23 * 3600_000).toISOString() }).event_time).toBe(
        NOW + 23 * 3600_000,
      );
    });
    it('requires event_time in files, defaults it to now for live events', () => {
      const { event_time: _t, ...rest } = base;
      expect(errors(rest)).toEqual([
        { field: 'event_time', reason: 'event_time is required', code: 'required' },
      ]);
      expect(ok(rest, { defaultEventTimeToNow: true }).event_time).toBe(NOW);
    });
    it('rejects a negative price', () => {
      expect(errors({ ...base, price: -3 })).toEqual([
        { field: 'price', reason: 'price -3 is negative', code: 'out_of_range' },
      ]);
    });
    it('reports every problem of a record at once', () => {
      expect(
        errors({ user_id: '', item_id: 'i', event_type: 'zap', rating: 9, event_time: 'x' }).map(
          (e) => e.field,
        ),
      ).toEqual(['user_id', 'rating', 'event_type', 'event_time']);
    });
    it('rejects a non-object record', () => {
      const n = new Normaliser('interactions', opts);
      expect(n.normalise([] as unknown as Record<string, unknown>)).toEqual({
        ok: false,
        errors: [{ field: '(record)', reason: 'expected a JSON object', code: 'not_an_object' }],
      });
    });
  });

  describe('one normaliser over rows of changing shape', () => {
    it('resolves columns per row even when consecutive rows have the same number of keys', () => {
      const n = new Normaliser('interactions', opts);
      const a = n.normalise({ user_id: 'u1', item_id: 'i1', event_type: 'view', event_time: '2024-01-01' });
      const b = n.normalise({
        user_id: 'u2',
        product_id: 'p2',
        view_mode: 'purchase',
        timestamp: '2024-01-02',
      });
      const c = n.normalise({ user_id: 'u3', item_id: 'i3', event_type: 'click', event_time: '2024-01-03' });
      expect([a, b, c].map((r) => r.ok && [r.value.item_id, r.value.event_type])).toEqual([
        ['i1', 'view'],
        ['p2', 'purchase'],
        ['i3', 'click'],
      ]);
    });
    it("keeps each call's now as the ingest time", () => {
      const n = new Normaliser('interactions', { source: 'api' });
      const row = { user_id: 'u', item_id: 'i', event_type: 'view', event_time: '2024-01-01' };
      const first = n.normalise(row, NOW);
      const second = n.normalise(row, NOW + 5);
      expect([first.ok && first.value.ingest_time, second.ok && second.value.ingest_time]).toEqual([
        NOW,
        NOW + 5,
      ]);
    });
    it('treats keys named like Object.prototype members as ordinary unknown columns', () => {
      const n = new Normaliser('interactions', opts);
      const r = n.normalise({ ...base, constructor: 'x', toString: 1, hasOwnProperty: null });
      expect(r.ok && r.value.user_id).toBe('u1');
      expect(n.unknownColumns(['constructor', 'toString', 'valueOf'])).toEqual([
        'constructor',
        'toString',
        'valueOf',
      ]);
    });
    it('treats long values as present and padded null tokens as missing', () => {
      expect(errors({ ...base, user_id: '  NULL ' }).map((e) => e.field)).toEqual(['user_id']);
      expect(ok({ ...base, user_id: 'nullable_user' }).user_id).toBe('nullable_user');
    });
  });

  describe('deterministic event ids', () => {
    it('gives the same row the same id, whatever its source or ingest time', () => {
      const a = ok(base, { source: 'replay:a.csv', now: NOW });
      const b = ok(base, { source: 'api', now: NOW + 1000 });
      expect(a.event_id).toBe(b.event_id);
      expect(a.event_id).toMatch(/^h[0-9a-f]{32}$/);
    });
    it('gives different events different ids', () => {
      expect(ok(base).event_id).not.toBe(ok({ ...base, event_type: 'click' }).event_id);
      expect(ok(base).event_id).not.toBe(ok({ ...base, event_time: '2024-06-01T10:00:01Z' }).event_id);
    });
    it('keeps a given event id', () => {
      expect(ok({ ...base, event_id: 'abc' }).event_id).toBe('abc');
    });
  });
});
