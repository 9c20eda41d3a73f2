import type { Interaction } from '../types.js';
import { FieldCollector } from './collect.js';
import { deriveEventId } from './event-id.js';
import { parseEventType } from './event-type.js';
import type { Normalised, NormaliseOptions } from './result.js';
import type { FieldRow } from './row.js';

const MAX_EVENT_ID_LENGTH = 256;

function ratingProblem(r: number): string | null {
  return r >= 1 && r <= 5 ? null : `rating ${r} is outside 1.0–5.0`;
}

function priceProblem(p: number): string | null {
  return p >= 0 ? null : `price ${p} is negative`;
}

export function normaliseInteractionFields(row: FieldRow, opts: NormaliseOptions): Normalised<Interaction> {
  const now = opts.now ?? Date.now();
  const c = new FieldCollector(row.fields, now);

  const user_id = c.requiredId('user_id');
  const item_id = c.requiredId('item_id');
  const rating = c.optionalNumber('rating', ratingProblem);

  let event_type: Interaction['event_type'] = 'view';
  if (c.has('event_type')) {
    const t = parseEventType(c.raw('event_type'));
    if (t.ok) event_type = t.value;
    else c.fail('event_type', t.reason, 'unknown_event_type');
  } else if (c.has('rating')) {
    // A ratings file (user, item, rating, time) has no event type: each row is a rating.
    event_type = 'rate';
  } else {
    c.fail('event_type', 'event_type is required (or a rating, for a ratings file)', 'required');
  }
  if (event_type === 'rate' && !c.has('rating') && !c.errors.some((e) => e.field === 'event_type')) {
    c.fail('rating', 'rating is required for event_type rate', 'required');
  }

  let event_time = c.optionalTime('event_time');
  if (event_time === null && !c.has('event_time')) {
    if (opts.defaultEventTimeToNow) event_time = now;
    else c.fail('event_time', 'event_time is required', 'required');
  }

  const session_id = c.optionalString('session_id', 1000);
  const device_type = c.optionalString('device_type', 200);
  const page_context = c.optionalString('page_context', 1000);
  const price = c.optionalNumber('price', priceProblem);
  let event_id = c.optionalString('event_id', MAX_EVENT_ID_LENGTH);

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  const time = event_time as number;
  event_id ??= deriveEventId({ user_id, item_id, event_type, event_time: time, rating, session_id });
  return {
    ok: true,
    value: {
      event_id,
      user_id,
      item_id,
      event_type,
      rating,
      event_time: time,
      session_id,
      device_type,
      page_context,
      price,
      source: opts.source,
      ingest_time: now,
    },
  };
}
