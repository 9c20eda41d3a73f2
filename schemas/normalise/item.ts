import type { Item } from '../types.js';
import { FieldCollector } from './collect.js';
import type { Normalised, NormaliseOptions } from './result.js';
import type { FieldRow } from './row.js';
import { attributeValue, coerceAttributes, isMissing } from './values.js';

/**
 * Catalog records. Input columns with no field of their own (a products.json `rating` or
 * `in_stock`) are kept in `attributes` rather than dropped: the catalog is the system of record
 * for what is known about an item.
 */
export function collectAttributes(c: FieldCollector, row: FieldRow): Record<string, string> {
  let attributes: Record<string, string> = {};
  if (c.has('attributes')) {
    const r = coerceAttributes(c.raw('attributes'));
    if (r.ok) attributes = r.value;
    else c.fail('attributes', `attributes ${r.reason}`, 'invalid_attributes');
  }
  for (const [key, value] of row.extra) {
    if (!isMissing(value) && attributes[key] === undefined) attributes[key] = attributeValue(value);
  }
  return attributes;
}

export function normaliseItemFields(row: FieldRow, opts: NormaliseOptions): Normalised<Item> {
  const now = opts.now ?? Date.now();
  const c = new FieldCollector(row.fields, now);
  const item_id = c.requiredId('item_id');
  const title = c.optionalString('title', 2000);
  const category = c.optionalString('category', 500);
  const subcategory = c.optionalString('subcategory', 500);
  const brand = c.optionalString('brand', 500);
  const price = c.optionalNumber('price', (p) => (p >= 0 ? null : `price ${p} is negative`));
  const description = c.optionalString('description', 100_000);
  const is_active = c.optionalBoolean('is_active') ?? true;
  const created_at = c.optionalTime('created_at');
  const attributes = collectAttributes(c, row);
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return {
    ok: true,
    value: {
      item_id,
      title,
      category,
      subcategory,
      brand,
      price,
      description,
      is_active,
      attributes,
      created_at,
      source: opts.source,
      ingest_time: now,
    },
  };
}
