import type { KafkaMessage } from 'kafkajs';
import { DeserializationError, type AvroSerde } from '../../schemas/serde.js';
import type { DeadLetter } from '../../schemas/types.js';
import {
  deadLetterRow,
  interactionRow,
  itemFeaturesRow,
  itemRow,
  itemTombstoneRow,
  trainingRunRow,
  trainingRunTombstoneRow,
  UnrepresentableValueError,
  userFeaturesRow,
  userRow,
  userTombstoneRow,
  type SourcePosition,
} from './rows.js';
import { routeOf, TABLE, type TableName } from './tables.js';

/**
 * One Kafka message -> what the sink does with it: a row for a table, nothing (a tombstone on a
 * history topic), or a rejection with a reason for the dead letters. A failure that is not the
 * message's fault (the registry unreachable) is thrown as RegistryUnavailableError instead, so
 * the caller retries rather than dead-lettering good data.
 */
export type Decoded =
  | { kind: 'row'; table: TableName; row: object }
  | { kind: 'skip'; why: string }
  | { kind: 'reject'; reason: string; message: string; field: string | null };

/** The registry could not be asked about a schema id; the message may well be fine. */
export class RegistryUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`schema registry unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'RegistryUnavailableError';
  }
}

export interface DecodeContext {
  serde: AvroSerde;
  /** Answers whether the registry is reachable, to tell an unknown schema id from an outage. */
  registryReachable: () => Promise<boolean>;
}

export async function decodeMessage(
  ctx: DecodeContext,
  topic: string,
  partition: number,
  message: KafkaMessage,
): Promise<Decoded> {
  const route = routeOf(topic);
  if (!route) return { kind: 'skip', why: `topic ${topic} is not one the sink reads` };
  return decodeRouted(ctx, route.table, message, { partition, offset: message.offset });
}

async function decodeRouted(
  ctx: DecodeContext,
  table: TableName,
  message: KafkaMessage,
  at: SourcePosition,
): Promise<Decoded> {
  const key = message.key === null ? null : message.key.toString('utf8');
  if (message.value === null) return tombstone(table, key, at, Number(message.timestamp));
  try {
    return { kind: 'row', table, row: await toRow(ctx.serde, table, message.value, at) };
  } catch (err) {
    if (err instanceof UnrepresentableValueError) {
      return { kind: 'reject', reason: err.reason, message: err.message, field: err.field };
    }
    if (err instanceof DeserializationError) {
      if (err.reason === 'unknown_schema_id' && !(await ctx.registryReachable()))
        throw new RegistryUnavailableError(err);
      return { kind: 'reject', reason: err.reason, message: err.message, field: null };
    }
    throw err;
  }
}

async function toRow(serde: AvroSerde, table: TableName, value: Buffer, at: SourcePosition): Promise<object> {
  switch (table) {
    case TABLE.interactions:
      return interactionRow(await serde.decode('Interaction', value), at);
    case TABLE.items:
      return itemRow(await serde.decode('Item', value), at);
    case TABLE.users:
      return userRow(await serde.decode('User', value), at);
    case TABLE.userFeatures:
      return userFeaturesRow(await serde.decode('UserFeatures', value), at);
    case TABLE.itemFeatures:
      return itemFeaturesRow(await serde.decode('ItemFeatures', value), at);
    case TABLE.deadLetters:
      return deadLetterRow(await serde.decode('DeadLetter', value), at);
    case TABLE.trainingRuns:
      return trainingRunRow(await serde.decode('TrainingRun', value), at);
  }
}

/**
 * A null value: on a compacted entity topic it deletes the key; feature topics are histories, so
 * a tombstone there (a version being cleaned up) removes nothing from ClickHouse; on the
 * delete-policy topics a null value is not a valid record.
 */
function tombstone(table: TableName, key: string | null, at: SourcePosition, timestampMs: number): Decoded {
  const entity = table === TABLE.items || table === TABLE.users || table === TABLE.trainingRuns;
  if (entity && key === null) {
    return {
      kind: 'reject',
      reason: 'tombstone_without_key',
      message: 'a null value with a null key deletes nothing',
      field: null,
    };
  }
  switch (table) {
    case TABLE.items:
      return { kind: 'row', table, row: itemTombstoneRow(key!, at, timestampMs) };
    case TABLE.users:
      return { kind: 'row', table, row: userTombstoneRow(key!, at, timestampMs) };
    case TABLE.trainingRuns:
      return { kind: 'row', table, row: trainingRunTombstoneRow(key!, at, timestampMs) };
    case TABLE.userFeatures:
    case TABLE.itemFeatures:
      return { kind: 'skip', why: 'tombstone on a feature topic (history is kept)' };
    default:
      return {
        kind: 'reject',
        reason: 'null_value',
        message: `a null value is not a valid record on this topic`,
        field: null,
      };
  }
}

/** The dead letter the sink publishes for a message it rejected. */
export function deadLetterFor(
  rejection: { reason: string; message: string; field: string | null },
  topic: string,
  partition: number,
  message: KafkaMessage,
  now: number,
): DeadLetter {
  return {
    source: 'sink:clickhouse',
    reason: `${rejection.reason}: ${rejection.message}`,
    field: rejection.field,
    raw: message.value ?? Buffer.alloc(0),
    raw_key: message.key,
    topic,
    partition,
    offset: Number(message.offset),
    file: null,
    line: null,
    failed_at: now,
  };
}
