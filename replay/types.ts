import type { RejectionCode } from '../schemas/normalise/index.js';

/** The three shapes a historical file can have. */
export type InputFormat = 'csv' | 'json' | 'ndjson';

/**
 * Why a record was rejected: the normaliser's codes plus the ones only a file reader can raise
 * (a line that is not CSV or not JSON), and `produce_failed` for a record the broker refused.
 */
export type ReplayRejectionCode =
  RejectionCode | 'malformed_csv' | 'invalid_json' | 'line_too_long' | 'produce_failed';

/** A reader's verdict on a record it could not turn into fields. */
export interface ReadProblem {
  code: ReplayRejectionCode;
  reason: string;
}

/**
 * One record of the input as a reader found it: where it starts, its fields (column -> raw
 * value), and its source text for dead letters.
 */
export interface SourceRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  /** 1-based element number within a JSON array (null for CSV and NDJSON). */
  element: number | null;
  /** Column -> value as read; null when the reader could not read the record. */
  fields: Record<string, unknown> | null;
  /** The record's source text; undefined for JSON elements, whose text is their re-serialisation. */
  raw: string | undefined;
  problem: ReadProblem | null;
}

/** The source text of a record, as it goes into a dead letter. */
export function rawText(record: SourceRecord): string {
  if (record.raw !== undefined) return record.raw;
  return JSON.stringify(record.fields);
}

/** What a reader yields: records in batches (one async step per batch, not per record). */
export type RecordBatches = AsyncIterable<SourceRecord[]>;

/** How many records readers put in one batch. */
export const READ_BATCH = 2000;
