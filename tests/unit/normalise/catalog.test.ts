import { describe, expect, it } from 'vitest';
import { ageGroup, normaliseItem, normaliseUser } from '../../../schemas/normalise/index.js';

const opts = { source: 'api', now: Date.UTC(2025, 0, 1) };

describe('item normalisation', () => {
  it('maps name -> title and product_id -> item_id, keeping unknown columns as attributes', () => {
    const r = normaliseItem(
      { product_id: 'prod_456', name: 'Wireless Headphones', price: '99.99', in_stock: true, rating: 4.3 },
      opts,
    );
    expect(r.ok && r.value).toMatchObject({
      item_id: 'prod_456',
      title: 'Wireless Headphones',
      price: 99.99,
      is_active: true,
      attributes: { in_stock: 'true', rating: '4.3' },
    });
  });
  it('parses an attributes JSON column and is_active spellings', () => {
    const r = normaliseItem(
      { item_id: 7, attributes: '{"color":"black","wireless":true}', is_active: 'no' },
      opts,
    );
    expect(r.ok && r.value).toMatchObject({
      item_id: '7',
      is_active: false,
      attributes: { color: 'black', wireless: 'true' },
    });
  });
  it('rejects bad fields with reasons', () => {
    const r = normaliseItem({ item_id: '', price: '-1', is_active: 'maybe', attributes: '[1]' }, opts);
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['item_id', 'price', 'is_active', 'attributes']);
    expect(r.ok ? [] : r.errors.map((e) => e.code)).toEqual([
      'required',
      'out_of_range',
      'not_a_boolean',
      'invalid_attributes',
    ]);
  });
});

describe('user normalisation', () => {
  it('derives age_group, maps customer_segment and preferences', () => {
    const r = normaliseUser(
      {
        user_id: 1001,
        age: '28',
        gender: 'M',
        device: 'Mobile',
        customer_segment: 'new',
        preferences: { newsletter: true },
        join_date: '2023-01-15T10:00:00Z',
      },
      opts,
    );
    expect(r.ok && r.value).toMatchObject({
      user_id: '1001',
      age: 28,
      age_group: '25-34',
      segment: 'new',
      attributes: { newsletter: 'true' },
      join_date: Date.UTC(2023, 0, 15, 10),
    });
  });
  it('keeps a given age_group', () => {
    const r = normaliseUser({ user_id: 'u', age_group: '35-44', location: 'Urban' }, opts);
    expect(r.ok && r.value.age_group).toBe('35-44');
  });
  it('rejects an age that is not a positive whole number', () => {
    for (const age of ['0', '-3', '12.5', 'old']) {
      const r = normaliseUser({ user_id: 'u', age }, opts);
      expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['age']);
    }
  });
  it('brackets ages', () => {
    expect([10, 18, 24, 25, 44, 64, 65, 90].map(ageGroup)).toEqual([
      'under-18',
      '18-24',
      '18-24',
      '25-34',
      '35-44',
      '55-64',
      '65+',
      '65+',
    ]);
  });
});
