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

  resolution(columns: readonly string[]): ColumnResolution {
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
