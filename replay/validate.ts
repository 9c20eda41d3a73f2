import { Normaliser, type RecordKind, type RecordOfKind } from '../schemas/normalise/index.js';
import type { Interaction, Item, User } from '../schemas/types.js';
import { FingerprintSet } from './fingerprint-set.js';
import type { ReportBuilder } from './report.js';
import type { ReplayRejectionCode, SourceRecord } from './types.js';

export type Verdict<T> =
  | { status: 'accepted'; value: T }
  | { status: 'rejected'; code: ReplayRejectionCode; field: string | null; reason: string }
  | { status: 'duplicate' };

/** The id that makes two rows of a file the same record. */
function identityOf(kind: RecordKind, value: Interaction | Item | User): string {
  if (kind === 'interactions') return (value as Interaction).event_id;
  if (kind === 'items') return (value as Item).item_id;
  return (value as User).user_id;
}

/**
 * The validation pass: each source record goes through the shared normaliser, then the
 * duplicate check (a repeated event_id — or item_id/user_id in a catalog — is skipped; the first
 * occurrence wins), and lands in the report as accepted, rejected or duplicate.
 */
export class RecordValidator<K extends RecordKind> {
  readonly normaliser: Normaliser<K>;
  private readonly seen = new FingerprintSet();

  constructor(
    readonly kind: K,
    options: { source: string; columnMap?: Record<string, string> },
    private readonly report: ReportBuilder,
    private readonly fixedColumns: boolean,
  ) {
    this.normaliser = new Normaliser(kind, {
      source: options.source,
      columnMap: options.columnMap,
      // A historical row without an event time cannot be placed in time: reject it.
      defaultEventTimeToNow: false,
    });
  }

  check(record: SourceRecord, now: number): Verdict<RecordOfKind[K]> {
    if (record.problem || !record.fields) {
      const problem = record.problem ?? { code: 'not_an_object' as const, reason: 'the record is empty' };
      this.report.reject(record.line, problem.code, null, problem.reason);
      return { status: 'rejected', code: problem.code, field: null, reason: problem.reason };
    }
    this.report.observeFields(record.fields, this.fixedColumns);
    const result = this.normaliser.normalise(record.fields, now);
    if (!result.ok) {
      const first = result.errors[0]!;
      const reason = result.errors.map((e) => e.reason).join('; ');
      this.report.reject(record.line, first.code, first.field, reason);
      return { status: 'rejected', code: first.code, field: first.field, reason };
    }
    const value = result.value;
    if (!this.seen.add(identityOf(this.kind, value))) {
      this.report.duplicate(record.line);
      return { status: 'duplicate' };
    }
    if (this.kind === 'interactions') {
      const e = value as Interaction;
      this.report.accept(record.line, { user: e.user_id, item: e.item_id, eventTime: e.event_time });
    } else if (this.kind === 'items') {
      this.report.accept(record.line, { item: (value as Item).item_id });
    } else {
      this.report.accept(record.line, { user: (value as User).user_id });
    }
    return { status: 'accepted', value };
  }
}
