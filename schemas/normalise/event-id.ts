import { createHash } from 'node:crypto';
import type { EventType } from '../types.js';

/**
 * The event id of an event that arrives without one: a hash of what makes it this event (who,
 * what, which kind, when, the rating and the session). The same row replayed again, or the same
 * event posted twice, gets the same id, so the processors count it once. Source and ingest time
 * are left out on purpose: they differ between two deliveries of one event.
 */
export function deriveEventId(e: {
  user_id: string;
  item_id: string;
  event_type: EventType;
  event_time: number;
  rating: number | null;
  session_id: string | null;
}): string {
  const canonical = JSON.stringify([
    e.user_id,
    e.item_id,
    e.event_type,
    e.event_time,
    e.rating,
    e.session_id,
  ]);
  return 'h' + createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}
