/**
 * Coercions from loosely typed input (CSV cells are all strings, JSON may carry numbers where a
 * string is meant) into the schema's types. Each returns either a value or a reason.
 */

export type Coerced<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Tokens that spreadsheet and dataframe exports write for "no value". */
const NULL_TOKENS = new Set([
  '',
  'null',
  'NULL',
  'Null',
  'None',
  'none',
  'NaN',
  'nan',
  'N/A',
  'n/a',
  'NA',
  '\\N',
]);

/** Longer than every null token: such a string with no surrounding space has a value. */
const LONGEST_NULL_TOKEN = 4;

export function isMissing(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (
    typeof value === 'string' &&
    value.length > LONGEST_NULL_TOKEN &&
    value.charCodeAt(0) > 32 &&
    value.charCodeAt(value.length - 1) > 32
  ) {
    return false;
  }
  if (typeof value === 'number') return Number.isNaN(value);
  if (typeof value === 'string') return NULL_TOKENS.has(value.trim());
  return false;
}

export const MAX_ID_LENGTH = 256;

/** Ids are strings; integer ids are stringified, and 1001.0 (a float-typed export) is 1001. */
export function coerceId(value: unknown): Coerced<string> {
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    if (!Number.isFinite(n)) return { ok: false, reason: `${value} is not a valid id` };
    return { ok: true, value: Number.isInteger(n) ? n.toFixed(0) : String(n) };
  }
  if (typeof value !== 'string')
    return { ok: false, reason: `expected a string or integer id, got ${typeof value}` };
  let s = value.trim();
  if (/^-?\d+\.0+$/.test(s)) s = s.slice(0, s.indexOf('.'));
  if (s.length > MAX_ID_LENGTH)
    return { ok: false, reason: `id is ${s.length} characters long (max ${MAX_ID_LENGTH})` };
  return { ok: true, value: s };
}

export function coerceString(value: unknown, maxLength = 10_000): Coerced<string> {
  if (typeof value === 'string') {
    const s = value.trim();
    return s.length > maxLength
      ? { ok: false, reason: `is ${s.length} characters long (max ${maxLength})` }
      : { ok: true, value: s };
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return { ok: true, value: String(value) };
  }
  return { ok: false, reason: `expected a string, got ${Array.isArray(value) ? 'array' : typeof value}` };
}

export function coerceNumber(value: unknown): Coerced<number> {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value))
    n = Number(value);
  else return { ok: false, reason: `${JSON.stringify(value)} is not a number` };
  if (!Number.isFinite(n)) return { ok: false, reason: `${value} is not a finite number` };
  return { ok: true, value: n };
}

const TRUE_TOKENS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_TOKENS = new Set(['false', 'f', 'no', 'n', '0']);

export function coerceBoolean(value: unknown): Coerced<boolean> {
  if (typeof value === 'boolean') return { ok: true, value };
  if (value === 1 || value === 0) return { ok: true, value: value === 1 };
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (TRUE_TOKENS.has(s)) return { ok: true, value: true };
    if (FALSE_TOKENS.has(s)) return { ok: true, value: false };
  }
  return { ok: false, reason: `${JSON.stringify(value)} is not a boolean (true/false, yes/no, 1/0)` };
}

/** Attribute maps hold strings; other JSON values are stored JSON-encoded. */
export function attributeValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An `attributes`/`preferences` cell: a JSON object (or its text) -> string map. */
export function coerceAttributes(value: unknown): Coerced<Record<string, string>> {
  let obj: unknown = value;
  if (typeof value === 'string') {
    try {
      obj = JSON.parse(value);
    } catch {
      return { ok: false, reason: 'is not valid JSON' };
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return { ok: false, reason: 'must be a JSON object' };
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) out[k] = attributeValue(v);
  return { ok: true, value: out };
}
