import type { RecordKind } from '../schemas/normalise/index.js';
import { isMissing } from '../schemas/normalise/values.js';
import { FingerprintSet } from './fingerprint-set.js';
import { qualityScore, type QualityScore } from './score.js';
import type { InputFormat, ReplayRejectionCode } from './types.js';

/** Example line numbers kept per rejection reason (and for duplicates). */
export const MAX_EXAMPLES = 20;

export interface RejectionSummary {
  code: ReplayRejectionCode;
  field: string | null;
  count: number;
  /** The reason sentence of the first row rejected this way. */
  example_reason: string;
  example_lines: number[];
}

export type ReplayStatus =
  'completed' | 'dry_run' | 'below_min_quality' | 'already_replayed' | 'interrupted' | 'failed';

/** The quality report of one file (printed as a table; written as this JSON with --report). */
export interface QualityReport {
  file: string;
  kind: RecordKind;
  format: InputFormat;
  compression: string | null;
  bytes_read: number;
  checksum: string | null;
  status: ReplayStatus;
  message: string;
  /** rows_read = accepted + rejected + duplicates, always. */
  rows_read: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  duplicate_example_lines: number[];
  rejected_by_reason: RejectionSummary[];
  columns: string[];
  /** Input columns that feed no field; ignored, listed once. */
  unknown_columns: string[];
  /** Per input column, the rows where it is missing or empty. */
  null_counts: Record<string, number>;
  event_time_range: { first: string | null; last: string | null };
  distinct_users: number | null;
  distinct_items: number | null;
  quality: QualityScore;
  /** Records the broker acknowledged, and dead letters written. */
  produced: number;
  dead_letters: number;
  started_at: string;
  finished_at: string | null;
  elapsed_ms: number;
}

/** Accumulates the report while a file is read: every row goes through exactly one of accept/reject/duplicate. */
export class ReportBuilder {
  rowsRead = 0;
  accepted = 0;
  rejected = 0;
  duplicates = 0;
  produced = 0;
  deadLetters = 0;
  lastLine = 0;
  private readonly duplicateLines: number[] = [];
  private readonly reasons = new Map<string, RejectionSummary>();
  private readonly columns: string[] = [];
  private readonly columnIndex = new Set<string>();
  private readonly nulls: number[] = [];
  private mapped: boolean[] = [];
  private rowsWithFields = 0;
  private cells = 0;
  private emptyCells = 0;
  private firstEvent: number | null = null;
  private lastEvent: number | null = null;
  private readonly users: FingerprintSet | null;
  private readonly items: FingerprintSet | null;
  readonly startedAt: number;

  constructor(
    readonly kind: RecordKind,
    /** Input columns that feed no field, for the current set of columns. */
    private readonly unknownOf: (columns: string[]) => string[],
    now = Date.now(),
  ) {
    this.startedAt = now;
    this.users = kind === 'items' ? null : new FingerprintSet();
    this.items = kind === 'users' ? null : new FingerprintSet();
  }

  /** Registers columns (the CSV header, or keys first seen in a JSON record). */
  addColumns(columns: Iterable<string>): void {
    let added = false;
    for (const c of columns) {
      if (this.columnIndex.has(c)) continue;
      this.columnIndex.add(c);
      this.columns.push(c);
      // A column first seen now was missing from every earlier row.
      this.nulls.push(this.rowsWithFields);
      added = true;
    }
    if (added) {
      const unknown = new Set(this.unknownOf(this.columns));
      this.mapped = this.columns.map((c) => !unknown.has(c));
    }
  }

  /** Null counts of one readable row. `fixedColumns`: the row has exactly the registered columns (CSV). */
  observeFields(fields: Record<string, unknown>, fixedColumns: boolean): void {
    if (!fixedColumns) {
      for (const key in fields) {
        if (!this.columnIndex.has(key)) {
          this.addColumns(Object.keys(fields));
          break;
        }
      }
    }
    this.rowsWithFields++;
    const columns = this.columns;
    for (let i = 0; i < columns.length; i++) {
      const missing = isMissing(fields[columns[i]!]);
      if (missing) this.nulls[i]!++;
      if (this.mapped[i]) {
        this.cells++;
        if (missing) this.emptyCells++;
      }
    }
  }

  accept(line: number, ids: { user?: string; item?: string; eventTime?: number }): void {
    this.rowsRead++;
    this.accepted++;
    this.lastLine = line;
    if (ids.user !== undefined) this.users?.add(ids.user);
    if (ids.item !== undefined) this.items?.add(ids.item);
    if (ids.eventTime !== undefined) {
      if (this.firstEvent === null || ids.eventTime < this.firstEvent) this.firstEvent = ids.eventTime;
      if (this.lastEvent === null || ids.eventTime > this.lastEvent) this.lastEvent = ids.eventTime;
    }
  }

  reject(line: number, code: ReplayRejectionCode, field: string | null, reason: string): void {
    this.rowsRead++;
    this.rejected++;
    this.lastLine = line;
    this.countReason(line, code, field, reason);
  }

  duplicate(line: number): void {
    this.rowsRead++;
    this.duplicates++;
    this.lastLine = line;
    if (this.duplicateLines.length < MAX_EXAMPLES) this.duplicateLines.push(line);
  }

  /** An accepted record the broker refused after all: it moves from accepted to rejected. */
  rejectAfterAccept(line: number, code: ReplayRejectionCode, field: string | null, reason: string): void {
    this.accepted--;
    this.rejected++;
    this.countReason(line, code, field, reason);
  }

  private countReason(line: number, code: ReplayRejectionCode, field: string | null, reason: string): void {
    const key = `${field ?? ''}\u0000${code}`;
    let summary = this.reasons.get(key);
    if (!summary) {
      summary = { code, field, count: 0, example_reason: reason, example_lines: [] };
      this.reasons.set(key, summary);
    }
    summary.count++;
    if (summary.example_lines.length < MAX_EXAMPLES) summary.example_lines.push(line);
  }

  eventTimeRange(): { first: number | null; last: number | null } {
    return { first: this.firstEvent, last: this.lastEvent };
  }

  quality(): QualityScore {
    return qualityScore({
      rowsRead: this.rowsRead,
      accepted: this.accepted,
      rejected: this.rejected,
      duplicates: this.duplicates,
      cells: this.cells,
      emptyCells: this.emptyCells,
    });
  }

  build(meta: {
    file: string;
    format: InputFormat;
    compression: string | null;
    bytesRead: number;
    checksum: string | null;
    status: ReplayStatus;
    message: string;
    finishedAt: number | null;
  }): QualityReport {
    const nullCounts: Record<string, number> = {};
    this.columns.forEach((c, i) => (nullCounts[c] = this.nulls[i]!));
    const unknown = this.unknownOf(this.columns);
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    return {
      file: meta.file,
      kind: this.kind,
      format: meta.format,
      compression: meta.compression,
      bytes_read: meta.bytesRead,
      checksum: meta.checksum,
      status: meta.status,
      message: meta.message,
      rows_read: this.rowsRead,
      accepted: this.accepted,
      rejected: this.rejected,
      duplicates: this.duplicates,
      duplicate_example_lines: [...this.duplicateLines],
      rejected_by_reason: [...this.reasons.values()]
        .map((r) => ({ ...r, example_lines: [...r.example_lines] }))
        .sort((a, b) => b.count - a.count),
      columns: [...this.columns],
      unknown_columns: unknown,
      null_counts: nullCounts,
      event_time_range: { first: iso(this.firstEvent), last: iso(this.lastEvent) },
      distinct_users: this.users ? this.users.size : null,
      distinct_items: this.items ? this.items.size : null,
      quality: this.quality(),
      produced: this.produced,
      dead_letters: this.deadLetters,
      started_at: new Date(this.startedAt).toISOString(),
      finished_at: iso(meta.finishedAt),
      elapsed_ms: (meta.finishedAt ?? Date.now()) - this.startedAt,
    };
  }
}
