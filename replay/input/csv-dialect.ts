/** The delimiters a CSV file may use; detection picks among these. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * Guesses the delimiter from the header line: the candidate that occurs most often outside
 * quotes (headers rarely contain any of them in a column name). Ties and no candidate at all
 * fall back to the comma, the one-column case.
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  for (let i = 0; i < headerLine.length; i++) {
    const c = headerLine[i]!;
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const n = counts.get(d)!;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** Accepts `,` `;` `|`, a tab as `\t`, `tab` or a literal tab. */
export function parseDelimiterOption(value: string): string {
  if (value === '\\t' || value.toLowerCase() === 'tab') return '\t';
  if (value.length !== 1) throw new Error(`--delimiter must be one character (or "tab"), got "${value}"`);
  return value;
}

/**
 * Tracks whether a record's text so far ends inside a quoted field (RFC 4180: a quote opens a
 * quoted field only at the start of a field; `""` inside one is an escaped quote). A quote in the
 * middle of an unquoted field is a literal character, as spreadsheet exports write `5" screen`.
 */
export class QuoteScanner {
  private inQuotes = false;
  private atFieldStart = true;
  private pendingQuote = false;

  constructor(private readonly delimiter: string) {}

  /** Feeds more text; returns true when the record is complete (not inside quotes) at its end. */
  feed(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.pendingQuote) {
        this.pendingQuote = false;
        if (c === '"') continue; // escaped quote, still inside
        this.inQuotes = false;
      }
      if (this.inQuotes) {
        if (c === '"') this.pendingQuote = true;
        continue;
      }
      if (c === '"' && this.atFieldStart) {
        this.inQuotes = true;
        this.atFieldStart = false;
        continue;
      }
      this.atFieldStart = c === this.delimiter || c === '\n';
    }
    return !this.inQuotes || this.pendingQuote;
  }

  /** A line break inside the quoted field, between two physical lines of one record. */
  newline(): void {
    if (this.pendingQuote) {
      this.pendingQuote = false;
      this.inQuotes = false;
    }
    if (!this.inQuotes) this.atFieldStart = true;
  }
}
