/**
 * Column resolution shared by every entry point: which input column feeds which schema field.
 * Order of precedence: an explicit `--map src=dest` entry, then the exact field name, then the
 * built-in aliases of DESIGN.md. Column names are compared in a canonical form (trimmed,
 * camelCase split, lower case, spaces and dashes as underscores) so that `userId`, `User ID` and
 * `user_id` are the same column.
 */

export type RecordKind = 'interactions' | 'items' | 'users';

export const FIELDS: Record<RecordKind, readonly string[]> = {
  interactions: [
    'event_id',
    'user_id',
    'item_id',
    'event_type',
    'rating',
    'event_time',
    'session_id',
    'device_type',
    'page_context',
    'price',
  ],
  items: [
    'item_id',
    'title',
    'category',
    'subcategory',
    'brand',
    'price',
    'description',
    'is_active',
    'attributes',
    'created_at',
  ],
  users: [
    'user_id',
    'age',
    'age_group',
    'gender',
    'location',
    'device',
    'segment',
    'join_date',
    'attributes',
  ],
};

export const ALIASES: Record<RecordKind, Readonly<Record<string, string>>> = {
  interactions: {
    product_id: 'item_id',
    interaction_type: 'event_type',
    view_mode: 'event_type',
    interaction_id: 'event_id',
    timestamp: 'event_time',
  },
  items: {
    product_id: 'item_id',
    name: 'title',
  },
  users: {
    customer_segment: 'segment',
    preferences: 'attributes',
  },
};

export function canonicalColumn(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Parses `a=b,c=d` (the `--map` option) into source -> destination; throws on a malformed entry. */
export function parseColumnMap(spec: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  if (!spec) return map;
  for (const entry of spec.split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0 || eq === trimmed.length - 1) {
      throw new Error(`--map entry "${trimmed}" is not of the form source=destination`);
    }
    map[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return map;
}

export interface ColumnResolution {
  /** input column name -> schema field */
  fieldOf: Map<string, string>;
  /** input columns that feed no field */
  unknown: string[];
}

/**
 * Resolves a set of input column names for a record kind. When two columns feed the same field
 * the mapped one wins, then the exact name, then the first alias.
 */
export function resolveColumns(
  kind: RecordKind,
  columns: Iterable<string>,
  columnMap: Record<string, string> = {},
): ColumnResolution {
  const fields = new Set(FIELDS[kind]);
  const aliases = ALIASES[kind];
  const canonicalMap = new Map(
    Object.entries(columnMap).map(([src, dest]) => [canonicalColumn(src), canonicalColumn(dest)]),
  );
  const claimed = new Map<string, { column: string; rank: number }>();
  const unknown: string[] = [];
  for (const column of columns) {
    const canon = canonicalColumn(column);
    let field: string | undefined;
    let rank = 3;
    // Own properties only: a column named "constructor" or "toString" must not find
    // Object.prototype's function in a map or alias table.
    const mapped = Object.hasOwn(columnMap, column)
      ? canonicalColumn(columnMap[column]!)
      : canonicalMap.get(canon);
    if (mapped !== undefined) {
      field = Object.hasOwn(aliases, mapped) ? aliases[mapped] : mapped;
      rank = 0;
    } else if (fields.has(canon)) {
      field = canon;
      rank = 1;
    } else if (Object.hasOwn(aliases, canon)) {
      field = aliases[canon];
      rank = 2;
    }
    if (field === undefined || !fields.has(field)) {
      unknown.push(column);
      continue;
    }
    const previous = claimed.get(field);
    if (!previous || rank < previous.rank) {
      if (previous) unknown.push(previous.column);
      claimed.set(field, { column, rank });
    } else {
      unknown.push(column);
    }
  }
  const fieldOf = new Map<string, string>();
  for (const [field, { column }] of claimed) fieldOf.set(column, field);
  return { fieldOf, unknown };
}
