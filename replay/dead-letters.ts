import type { DeadLetter } from '../schemas/types.js';
import { rawText, type SourceRecord } from './types.js';

/** The dead letter of a rejected row: its source text, where it was, and why. */
export function deadLetterOf(
  record: SourceRecord,
  rejection: { reason: string; field: string | null },
  where: { source: string; file: string },
  now: number,
): DeadLetter {
  return {
    source: where.source,
    reason: rejection.reason,
    field: rejection.field,
    raw: Buffer.from(rawText(record), 'utf8'),
    raw_key: null,
    topic: null,
    partition: null,
    offset: null,
    file: where.file,
    line: record.line,
    failed_at: now,
  };
}
