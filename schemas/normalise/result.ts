/**
 * Stable, machine-readable kinds of rejection. `reason` is the human sentence (it carries the
 * offending value); `code` is what reports group by and what clients may branch on.
 */
export const REJECTION_CODES = [
  'required',
  'invalid_id',
  'invalid_string',
  'not_a_number',
  'out_of_range',
  'not_a_boolean',
  'invalid_timestamp',
  'future_timestamp',
  'unknown_event_type',
  'invalid_attributes',
  'not_an_object',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** One reason a record was rejected, naming the field it concerns. */
export interface FieldError {
  field: string;
  reason: string;
  code: RejectionCode;
}

export type Normalised<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface NormaliseOptions {
  /** The record's `source`: api, producer, replay:<file name>. */
  source: string;
  /** Ingest time (and "now" for the future-timestamp rule); defaults to Date.now(). */
  now?: number;
  /** `--map` entries: input column -> schema field. */
  columnMap?: Record<string, string>;
  /**
   * Interactions without an event time: true takes the ingest time (live HTTP events, like the
   * predecessor streaming APIs); false rejects them (historical files must say when).
   */
  defaultEventTimeToNow?: boolean;
}

/** Events may be at most this far in the future (clock skew), DESIGN.md validation rule. */
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;
