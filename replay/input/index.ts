import { readCsv, type CsvHeader } from './csv.js';
import { readJsonArray } from './json-array.js';
import { readNdjson } from './ndjson.js';
import type { OpenedInput } from './open.js';
import type { RecordBatches } from '../types.js';

export { openInput, fileChecksum, detectFormat, type OpenedInput, type ReplayInput } from './open.js';
export { detectDelimiter, parseDelimiterOption } from './csv-dialect.js';
export type { CsvHeader } from './csv.js';

/** The records of an opened input, whatever its format. */
export function readRecords(
  input: OpenedInput,
  options: { delimiter?: string; onHeader?: (header: CsvHeader) => void } = {},
): RecordBatches {
  switch (input.format) {
    case 'csv':
      return readCsv(input.content, { delimiter: options.delimiter }, options.onHeader ?? (() => {}));
    case 'ndjson':
      return readNdjson(input.content);
    case 'json':
      return readJsonArray(input.content);
  }
}
