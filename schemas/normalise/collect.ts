import { parseTimestamp } from './timestamp.js';
import { MAX_FUTURE_MS, type FieldError, type RejectionCode } from './result.js';
import { coerceBoolean, coerceId, coerceNumber, coerceString, isMissing } from './values.js';

/**
 * Reads typed fields from a mapped row while collecting every error, so one rejection reports all
 * that is wrong with the record rather than the first problem only.
 */
export class FieldCollector {
  readonly errors: FieldError[] = [];

  constructor(
    private readonly fields: Map<string, unknown>,
    private readonly now: number,
  ) {}

  has(field: string): boolean {
    return !isMissing(this.fields.get(field));
  }

  raw(field: string): unknown {
    return this.fields.get(field);
  }

  fail(field: string, reason: string, code: RejectionCode): void {
    this.errors.push({ field, reason, code });
  }

  requiredId(field: string): string {
    if (!this.has(field)) {
      this.fail(field, `${field} is required`, 'required');
      return '';
    }
    const r = coerceId(this.fields.get(field));
    if (!r.ok) this.fail(field, r.reason, 'invalid_id');
    else if (r.value === '') this.fail(field, `${field} is required`, 'required');
    return r.ok ? r.value : '';
  }

  optionalId(field: string): string | null {
    if (!this.has(field)) return null;
    const r = coerceId(this.fields.get(field));
    if (!r.ok) this.fail(field, r.reason, 'invalid_id');
    return r.ok && r.value !== '' ? r.value : null;
  }

  optionalString(field: string, maxLength?: number): string | null {
    if (!this.has(field)) return null;
    const r = coerceString(this.fields.get(field), maxLength);
    if (!r.ok) this.fail(field, `${field} ${r.reason}`, 'invalid_string');
    return r.ok && r.value !== '' ? r.value : null;
  }

  optionalNumber(field: string, check?: (n: number) => string | null): number | null {
    if (!this.has(field)) return null;
    const r = coerceNumber(this.fields.get(field));
    if (!r.ok) {
      this.fail(field, r.reason, 'not_a_number');
      return null;
    }
    const problem = check?.(r.value) ?? null;
    if (problem) {
      this.fail(field, problem, 'out_of_range');
      return null;
    }
    return r.value;
  }

  optionalBoolean(field: string): boolean | null {
    if (!this.has(field)) return null;
    const r = coerceBoolean(this.fields.get(field));
    if (!r.ok) this.fail(field, r.reason, 'not_a_boolean');
    return r.ok ? r.value : null;
  }

  /** A timestamp that must not be more than a day ahead of now. */
  optionalTime(field: string): number | null {
    if (!this.has(field)) return null;
    const r = parseTimestamp(this.fields.get(field));
    if (!r.ok) {
      this.fail(field, r.reason, 'invalid_timestamp');
      return null;
    }
    if (r.ms > this.now + MAX_FUTURE_MS) {
      this.fail(
        field,
        `${new Date(r.ms).toISOString()} is more than 1 day in the future`,
        'future_timestamp',
      );
      return null;
    }
    return r.ms;
  }
}
