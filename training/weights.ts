import { EVENT_TYPE_CODE, EVENT_TYPES, type EventType, type Interactions } from './dataset.js';

/**
 * Implicit-feedback confidence per event type: how strongly an event says "the user wants this
 * item". A purchase is stronger evidence than a view. `rate` events use the explicit rating
 * itself (1–5) instead, so a 5-star rating counts like a purchase.
 */
export const DEFAULT_EVENT_WEIGHTS: Readonly<Record<EventType, number>> = Object.freeze({
  view: 1,
  click: 1,
  add_to_cart: 3,
  like: 3,
  purchase: 5,
  rate: 1,
});

/** The weight of every event: the explicit rating when the event has one, else its type's weight. */
export function confidenceWeights(
  interactions: Interactions,
  weights: Readonly<Record<EventType, number>> = DEFAULT_EVENT_WEIGHTS,
): Float32Array {
  const byCode = new Float32Array(EVENT_TYPES.length);
  for (const type of EVENT_TYPES) byCode[EVENT_TYPE_CODE[type]] = weights[type];
  const out = new Float32Array(interactions.length);
  const { eventType, rating } = interactions;
  for (let k = 0; k < out.length; k++) {
    const r = rating[k];
    out[k] = Number.isNaN(r) ? byCode[eventType[k]] : r;
  }
  return out;
}
