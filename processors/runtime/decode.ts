import { DeserializationError, parseWireHeader, type AvroSerde } from '../../schemas/serde.js';
import { MAX_ID_LENGTH } from '../../schemas/normalise/values.js';
import type { Interaction } from '../../schemas/types.js';
import { HEADER, type InputRecord, type Provenance, type RawMessage } from './records.js';

/**
 * Decoding and validation of input messages. Anything that cannot be applied becomes a
 * RejectedRecord with a reason (dead-lettered by the caller; processing continues). Only a
 * registry that cannot be reached is not the message's fault: that throws
 * RegistryUnavailableError and the batch is retried.
 */

export class RegistryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryUnavailableError';
  }
}

/** true when the registry answers that the schema id does not exist (a permanent failure). */
async function schemaIdIsUnknown(registryUrl: string, schemaId: number): Promise<boolean> {
  let status: number;
  try {
    const response = await fetch(`${registryUrl}/schemas/ids/${schemaId}`, {
      signal: AbortSignal.timeout(5000),
    });
    status = response.status;
    await response.body?.cancel();
  } catch (err) {
    throw new RegistryUnavailableError(`schema registry unreachable: ${(err as Error).message}`);
  }
  if (status === 404) return true;
  if (status >= 200 && status < 300) return false;
  throw new RegistryUnavailableError(`schema registry answered HTTP ${status} for schema id ${schemaId}`);
}

function headerText(value: RawMessage['headers'][string]): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return null;
  return typeof first === 'string' ? first : first.toString('utf8');
}

function headerInt(value: RawMessage['headers'][string]): number | null {
  const text = headerText(value);
  if (text === null || !/^\d+$/.test(text)) return null;
  return Number(text);
}

export function provenanceOf(headers: RawMessage['headers']): Provenance {
  return {
    version: headerText(headers[HEADER.version]),
    originPartition: headerInt(headers[HEADER.originPartition]),
    originOffset: headerInt(headers[HEADER.originOffset]),
  };
}

/** What makes a decoded Interaction unusable, as [field, reason]; null when it is fine. */
export function interactionProblem(e: Interaction): [string, string] | null {
  // The id rules of the shared normalisation: what replay and the API refuse, an external
  // producer cannot get counted either (a blank event_id would make every such event one).
  for (const field of ['event_id', 'user_id', 'item_id'] as const) {
    const id = e[field];
    if (id.trim().length === 0) return [field, `${field} is ${id.length === 0 ? 'empty' : 'blank'}`];
    if (id.length > MAX_ID_LENGTH)
      return [field, `${field} is ${id.length} characters long (max ${MAX_ID_LENGTH})`];
  }
  if (!Number.isFinite(e.event_time)) return ['event_time', 'event_time is not a finite timestamp'];
  if (e.rating !== null && !(e.rating >= 1 && e.rating <= 5)) {
    return ['rating', `rating ${e.rating} is outside 1.0–5.0`];
  }
  if (e.price !== null && !(Number.isFinite(e.price) && e.price >= 0)) {
    return ['price', `price ${e.price} is not a non-negative number`];
  }
  return null;
}

export interface DecodeOptions {
  serde: AvroSerde;
  registryUrl: string;
  /**
   * The field the message key must equal. Entities are owned by the partition their key hashes
   * to; a record keyed otherwise would update one entity from two partitions at once.
   */
  keyField: 'user_id' | 'item_id';
  /** Read the repartition headers (item processor). */
  readProvenance?: boolean;
}

function rejected(m: RawMessage, code: string, reason: string, field: string | null = null): InputRecord {
  return { kind: 'rejected', offset: m.offset, code, reason, field, raw: m.value, rawKey: m.key };
}

const NO_PROVENANCE: Provenance = { version: null, originPartition: null, originOffset: null };

export async function decodeMessages(
  messages: readonly RawMessage[],
  opts: DecodeOptions,
): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  for (const m of messages) {
    if (m.value === null) {
      out.push(
        rejected(m, 'null_value', 'null_value: message has no value (a tombstone is not an interaction)'),
      );
      continue;
    }
    let event: Interaction;
    try {
      event = await opts.serde.decode('Interaction', m.value);
    } catch (err) {
      if (!(err instanceof DeserializationError)) throw err;
      if (err.reason === 'unknown_schema_id') {
        const { schemaId } = parseWireHeader(m.value);
        if (!(await schemaIdIsUnknown(opts.registryUrl, schemaId))) {
          throw new RegistryUnavailableError(`schema id ${schemaId} could not be fetched: ${err.message}`);
        }
      }
      out.push(rejected(m, err.reason, `${err.reason}: ${err.message}`));
      continue;
    }
    const problem = interactionProblem(event);
    if (problem) {
      out.push(rejected(m, 'invalid_interaction', `invalid_interaction: ${problem[1]}`, problem[0]));
      continue;
    }
    const key = m.key?.toString('utf8') ?? null;
    if (key !== event[opts.keyField]) {
      const got = key === null ? 'is null' : JSON.stringify(key);
      out.push(
        rejected(
          m,
          'key_mismatch',
          `key_mismatch: message key ${got} but ${opts.keyField} is ${JSON.stringify(event[opts.keyField])}; records must be keyed by ${opts.keyField}`,
          opts.keyField,
        ),
      );
      continue;
    }
    const provenance = opts.readProvenance ? provenanceOf(m.headers) : NO_PROVENANCE;
    out.push({ kind: 'event', offset: m.offset, event, raw: m.value, provenance });
  }
  return out;
}
