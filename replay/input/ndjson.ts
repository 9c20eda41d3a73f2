import { readLines } from './lines.js';
import { READ_BATCH, type RecordBatches, type SourceRecord } from '../types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One JSON object per line; blank lines are skipped, a line that is not an object is rejected. */
export async function* readNdjson(chunks: AsyncIterable<Buffer>): RecordBatches {
  let batch: SourceRecord[] = [];
  for await (const lines of readLines(chunks)) {
    for (const line of lines) {
      if (line.overlong) {
        batch.push({
          line: line.number,
          element: null,
          fields: null,
          raw: line.text,
          problem: { code: 'line_too_long', reason: 'line is longer than 16 MiB' },
        });
        continue;
      }
      const text = line.text.trim();
      if (text === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        batch.push({
          line: line.number,
          element: null,
          fields: null,
          raw: line.text,
          problem: { code: 'invalid_json', reason: `invalid JSON: ${(err as Error).message}` },
        });
        continue;
      }
      if (!isPlainObject(value)) {
        batch.push({
          line: line.number,
          element: null,
          fields: null,
          raw: line.text,
          problem: { code: 'not_an_object', reason: 'expected a JSON object' },
        });
        continue;
      }
      batch.push({ line: line.number, element: null, fields: value, raw: line.text, problem: null });
    }
    if (batch.length >= READ_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
