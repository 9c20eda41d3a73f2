import { resolveColumns, type ColumnResolution, type RecordKind } from './columns.js';

/** A raw row split into schema fields and the columns that feed none. */
export interface FieldRow {
  fields: Map<string, unknown>;
  extra: Map<string, unknown>;
}

/**
 * Maps raw rows onto schema fields. Rows with the same set of keys (every CSV row, most JSON
 * rows) share one resolution, so the per-row cost is a map lookup and a copy.
 */
export class RowMapper {
  private readonly cache = new Map<string, ColumnResolution>();

  constructor(
    readonly kind: RecordKind,
    readonly columnMap: Record<string, string> = {},
  ) {}

  private lastColumns: readonly string[] | null = null;
  private lastResolution: ColumnResolution | null = null;

  resolution(columns: readonly string[]): ColumnResolution {
    // Rows of one file nearly always have the same keys in the same order: compare with the
    // previous row's keys before building a signature string.
    const last = this.lastColumns;
    if (last !== null && last.length === columns.length) {
      let same = true;
      for (let i = 0; i < columns.length; i++) {
        if (last[i] !== columns[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastResolution!;
    }
    const resolution = this.resolve(columns);
    this.lastColumns = columns.slice();
    this.lastResolution = resolution;
    return resolution;
  }

  private resolve(columns: readonly string[]): ColumnResolution {
    const signature = columns.join('\u0000');
    let resolution = this.cache.get(signature);
    if (!resolution) {
      resolution = resolveColumns(this.kind, columns, this.columnMap);
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(signature, resolution);
    }
    return resolution;
  }

  map(raw: Record<string, unknown>): FieldRow {
    const keys = Object.keys(raw);
    const { fieldOf } = this.resolution(keys);
    const fields = new Map<string, unknown>();
    const extra = new Map<string, unknown>();
    for (const key of keys) {
      const field = fieldOf.get(key);
      if (field !== undefined) fields.set(field, raw[key]);
      else extra.set(key, raw[key]);
    }
    return { fields, extra };
  }
}
