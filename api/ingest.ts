import { Type } from 'typebox';
import {
  Normaliser,
  type FieldError,
  type RecordKind,
  type RecordOfKind,
} from '../schemas/normalise/index.js';
import type { DeadLetter } from '../schemas/types.js';
import { ApiError } from './errors.js';
import type { ApiTopicRecords, RecordProducer } from './ports.js';

/**
 * The write path shared by POST /v1/events, /v1/items and /v1/users: every element goes through
 * the same normaliser as replay (aliases, id stringification, timestamp forms, derived event ids);
 * valid records are produced with acks=all before the response; each invalid one is reported
 * (index, field, reason) and written to `dead-letters` with its JSON.
 */

export const SOURCE = 'api';

export const Rejection = Type.Object({
  index: Type.Integer({ description: 'position of the record in the request (0 for a single object)' }),
  field: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  code: Type.String({ description: 'stable rejection code (required, invalid_timestamp, ...)' }),
});

export const IngestResult = Type.Object({
  accepted: Type.Integer({ description: 'records produced to the topic' }),
  rejected: Type.Array(Rejection),
});

export interface IngestOutcome {
  accepted: number;
  rejected: { index: number; field: string | null; reason: string; code: string }[];
}

const normalisers: { [K in RecordKind]: Normaliser<K> } = {
  interactions: new Normaliser('interactions', { source: SOURCE, defaultEventTimeToNow: true }),
  items: new Normaliser('items', { source: SOURCE }),
  users: new Normaliser('users', { source: SOURCE }),
};

function deadLetter(raw: unknown, errors: readonly FieldError[], topic: string, now: number): DeadLetter {
  const first = errors[0];
  return {
    source: SOURCE,
    reason: errors.map((e) => e.reason).join('; '),
    field: first?.field ?? null,
    raw: Buffer.from(JSON.stringify(raw) ?? 'null', 'utf8'),
    raw_key: null,
    // The topic the record was meant for (nothing was read from a topic).
    topic,
    partition: null,
    offset: null,
    file: null,
    line: null,
    failed_at: now,
  };
}

/**
 * Normalises and produces `elements`. A producer that cannot reach Kafka makes the request a
 * 503 (nothing is acknowledged that was not stored).
 */
export async function ingest<K extends RecordKind>(
  kind: K,
  elements: readonly unknown[],
  producer: RecordProducer,
  now = Date.now(),
): Promise<IngestOutcome> {
  const normaliser = normalisers[kind] as Normaliser<K>;
  // Each kind is produced to the topic of the same name.
  const topic = kind;
  const valid: ApiTopicRecords[K][] = [];
  const validIndex: number[] = [];
  const letters: DeadLetter[] = [];
  const rejected: IngestOutcome['rejected'] = [];
  for (let index = 0; index < elements.length; index++) {
    const raw = elements[index];
    const result = normaliser.normalise(raw as Record<string, unknown>, now);
    if (result.ok) {
      // RecordOfKind[K] and ApiTopicRecords[K] are the same type; TypeScript cannot see it generically.
      valid.push(result.value as RecordOfKind[K] as ApiTopicRecords[K]);
      validIndex.push(index);
    } else {
      for (const e of result.errors) rejected.push({ index, field: e.field, reason: e.reason, code: e.code });
      letters.push(deadLetter(raw, result.errors, topic, now));
    }
  }
  try {
    const [produced] = await Promise.all([
      valid.length > 0 ? producer.produce(topic, valid) : Promise.resolve({ sent: 0, failed: [] }),
      letters.length > 0
        ? producer.produce('dead-letters', letters)
        : Promise.resolve({ sent: 0, failed: [] }),
    ]);
    for (const f of produced.failed) {
      rejected.push({ index: validIndex[f.index]!, field: null, reason: f.reason, code: 'produce_failed' });
    }
    rejected.sort((a, b) => a.index - b.index);
    return { accepted: produced.sent, rejected };
  } catch (err) {
    throw new ApiError(
      503,
      'unavailable',
      `Kafka did not acknowledge the records, none were accepted (${err instanceof Error ? err.message : String(err)}); retry later`,
    );
  }
}
