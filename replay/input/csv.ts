import { parse as parseCsvText } from 'csv-parse/sync';
import { detectDelimiter, QuoteScanner } from './csv-dialect.js';
import { readLines, type Line } from './lines.js';
import { READ_BATCH, type RecordBatches, type SourceRecord } from '../types.js';

/** A quoted field may span lines, but not without end: past this, the record is rejected. */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

export interface CsvOptions {
  /** Given delimiter; detected from the header line when absent. */
  delimiter?: string;
}

export interface CsvHeader {
  columns: string[];
  delimiter: string;
  line: number;
}

/** Splits one record's text into fields; lines without a quote take the fast path. */
function splitRecord(text: string, delimiter: string): string[] {
  if (text.indexOf('"') === -1) return text.split(delimiter);
  // Quoted fields, escaped quotes and embedded delimiters or newlines: csv-parse decides.
  const rows = parseCsvText(text, {
    delimiter,
    relax_quotes: true,
    relax_column_count: true,
    record_delimiter: '\n',
  }) as string[][];
  if (rows.length !== 1) throw new Error(`the text holds ${rows.length} records, expected one`);
  return rows[0]!;
}

function uniqueColumns(columns: string[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((c) => {
    const name = c.trim();
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}_${n}`;
  });
}

/**
 * CSV with a header row. Each physical line is read once: lines without a quote are split
 * directly (the bulk of any export), lines with quotes go through csv-parse, and a quoted field
 * that spans lines is gathered first (up to MAX_RECORD_CHARS). A record that cannot be read is
 * yielded with a problem rather than stopping the file, and reading resumes at the next line.
 */
export async function* readCsv(
  chunks: AsyncIterable<Buffer>,
  options: CsvOptions,
  onHeader: (header: CsvHeader) => void,
): RecordBatches {
  let header: CsvHeader | null = null;
  let batch: SourceRecord[] = [];
  // A record whose quoted field continues on the next lines.
  let pending: { start: number; lines: Line[]; chars: number; scanner: QuoteScanner } | null = null;

  const emit = (line: number, text: string): void => {
    const h = header!;
    let values: string[];
    try {
      values = splitRecord(text, h.delimiter);
    } catch (err) {
      batch.push({
        line,
        element: null,
        fields: null,
        raw: text,
        problem: { code: 'malformed_csv', reason: `malformed CSV: ${(err as Error).message}` },
      });
      return;
    }
    if (values.length !== h.columns.length) {
      batch.push({
        line,
        element: null,
        fields: null,
        raw: text,
        problem: {
          code: 'malformed_csv',
          reason: `expected ${h.columns.length} columns (as in the header), found ${values.length}`,
        },
      });
      return;
    }
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < values.length; i++) fields[h.columns[i]!] = values[i];
    batch.push({ line, element: null, fields, raw: text, problem: null });
  };

  const readHeader = (line: Line): void => {
    const delimiter = options.delimiter ?? detectDelimiter(line.text);
    const columns = uniqueColumns(splitRecord(line.text, delimiter));
    header = { columns, delimiter, line: line.number };
    onHeader(header);
  };

  // Lines to (re)process: after an unclosed quote, the lines it swallowed are read again.
  const process = (lines: Line[]): void => {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (pending) {
        pending.lines.push(line);
        pending.chars += line.text.length + 1;
        pending.scanner.newline();
        if (pending.scanner.feed(line.text)) {
          emit(pending.start, pending.lines.map((l) => l.text).join('\n'));
          pending = null;
        } else if (pending.chars > MAX_RECORD_CHARS || line.overlong) {
          const swallowed = pending.lines;
          pending = null;
          batch.push({
            line: swallowed[0]!.number,
            element: null,
            fields: null,
            raw: swallowed[0]!.text,
            problem: {
              code: 'malformed_csv',
              reason: `a quoted field opened on line ${swallowed[0]!.number} is not closed within ${MAX_RECORD_CHARS} characters`,
            },
          });
          process(swallowed.slice(1));
        }
        continue;
      }
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
      if (line.text.trim() === '') continue; // blank lines are not rows
      if (!header) {
        readHeader(line);
        continue;
      }
      if (line.text.indexOf('"') !== -1) {
        const scanner = new QuoteScanner(header.delimiter);
        if (!scanner.feed(line.text)) {
          pending = { start: line.number, lines: [line], chars: line.text.length, scanner };
          continue;
        }
      }
      emit(line.number, line.text);
    }
  };

  for await (const lines of readLines(chunks)) {
    process(lines);
    if (batch.length >= READ_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (pending) {
    const unclosed: { start: number; lines: Line[] } = pending;
    pending = null;
    batch.push({
      line: unclosed.start,
      element: null,
      fields: null,
      raw: unclosed.lines[0]!.text,
      problem: {
        code: 'malformed_csv',
        reason: `a quoted field opened on line ${unclosed.start} is not closed before the end of the file`,
      },
    });
    process(unclosed.lines.slice(1));
  }
  if (batch.length > 0) yield batch;
}
