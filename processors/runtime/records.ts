import type { Interaction } from '../../schemas/types.js';

/**
 * The records of one input batch after decoding: in offset order, each either an event to apply
 * or a rejection to dead-letter.
 */

/** Headers the user processor puts on the repartitioned records it writes. */
export const HEADER = {
  /** Feature version of the writer: each version's item processor applies only its own. */
  version: 'rs-version',
  /** Partition and offset of the event in `interactions`: re-produced copies are recognised. */
  originPartition: 'rs-origin-partition',
  originOffset: 'rs-origin-offset',
} as const;

export interface Provenance {
  version: string | null;
  originPartition: number | null;
  originOffset: number | null;
}

export interface DecodedRecord {
  kind: 'event';
  offset: number;
  event: Interaction;
  /** The value bytes as received (forwarded unchanged to the repartition topic). */
  raw: Buffer;
  provenance: Provenance;
}

export interface RejectedRecord {
  kind: 'rejected';
  offset: number;
  /** Stable short code, e.g. avro_decode_failed, key_mismatch. */
  code: string;
  reason: string;
  field: string | null;
  raw: Buffer | null;
  rawKey: Buffer | null;
}

export type InputRecord = DecodedRecord | RejectedRecord;

/** A message as the runtime sees it (kafkajs' shape reduced to what is used). */
export interface RawMessage {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}
