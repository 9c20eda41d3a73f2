import { EVENT_TYPES, type EventType } from '../types.js';

/**
 * Spellings seen in exported event logs, mapped onto the six event types. Matching is on the
 * lower-cased value with spaces and dashes as underscores.
 */
const SYNONYMS: Record<string, EventType> = {
  view: 'view',
  views: 'view',
  viewed: 'view',
  page_view: 'view',
  pageview: 'view',
  detail_view: 'view',
  product_view: 'view',
  click: 'click',
  clicks: 'click',
  clicked: 'click',
  add_to_cart: 'add_to_cart',
  addtocart: 'add_to_cart',
  add_cart: 'add_to_cart',
  added_to_cart: 'add_to_cart',
  cart: 'add_to_cart',
  addtobasket: 'add_to_cart',
  add_to_basket: 'add_to_cart',
  purchase: 'purchase',
  purchased: 'purchase',
  buy: 'purchase',
  bought: 'purchase',
  order: 'purchase',
  transaction: 'purchase',
  checkout: 'purchase',
  like: 'like',
  liked: 'like',
  favorite: 'like',
  favourite: 'like',
  rate: 'rate',
  rating: 'rate',
  rated: 'rate',
  review: 'rate',
};

export function parseEventType(
  value: unknown,
): { ok: true; value: EventType } | { ok: false; reason: string } {
  if (typeof value !== 'string') {
    return { ok: false, reason: `event_type must be a string, got ${typeof value}` };
  }
  const key = value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  // Own properties only: "constructor" or "toString" must not find Object.prototype's function.
  const type = Object.hasOwn(SYNONYMS, key) ? SYNONYMS[key] : undefined;
  if (type) return { ok: true, value: type };
  return {
    ok: false,
    reason: `unknown event_type "${value.trim()}" (expected one of ${EVENT_TYPES.join(', ')})`,
  };
}
