import { EVENT_TYPES, type Interaction, type Item } from '../../schemas/types.js';

/**
 * What an accepted record must satisfy beyond decoding with its Avro schema (which the readers
 * already did): the rules of the shared normalisation (DESIGN.md "Events", docs/REPLAY.md).
 * Returns the violations, empty when the record is fine.
 */

const MAX_ID = 256;

function id(value: string, field: string): string[] {
  if (value.trim() === '') return [`${field} is empty`];
  if (value.length > MAX_ID) return [`${field} is longer than ${MAX_ID}`];
  return [];
}

export function interactionProblems(e: Interaction): string[] {
  const problems = [...id(e.event_id, 'event_id'), ...id(e.user_id, 'user_id'), ...id(e.item_id, 'item_id')];
  if (!(EVENT_TYPES as readonly string[]).includes(e.event_type)) problems.push(`event_type ${e.event_type}`);
  if (e.rating !== null && !(e.rating >= 1 && e.rating <= 5)) problems.push(`rating ${e.rating}`);
  if (e.event_type === 'rate' && e.rating === null) problems.push('a rate event without a rating');
  if (e.price !== null && !(Number.isFinite(e.price) && e.price >= 0)) problems.push(`price ${e.price}`);
  if (!Number.isFinite(e.event_time)) problems.push(`event_time ${e.event_time}`);
  // "more than a day ahead" is rejected (future_timestamp).
  if (e.event_time > e.ingest_time + 86_400_000 + 60_000)
    problems.push(`event_time ${e.event_time} in the future`);
  return problems.map((p) => `${e.event_id}: ${p}`);
}

export function itemProblems(item: Item): string[] {
  const problems = id(item.item_id, 'item_id');
  if (item.price !== null && !(Number.isFinite(item.price) && item.price >= 0))
    problems.push(`price ${item.price}`);
  return problems.map((p) => `${item.item_id}: ${p}`);
}
