/**
 * Timestamps accepted on input (DESIGN.md "Events"): ISO 8601 with or without an offset (no
 * offset means UTC), a date alone (midnight UTC), or epoch seconds / milliseconds as numbers or
 * numeric strings. Parsing is strict: `Date.parse` would accept "2024-02-31" or "1/2/3" and guess.
 */

/** Epoch values below this are seconds; above, milliseconds. 1e11 s is the year 5138 and 1e11 ms is March 1973. */
const SECONDS_MS_BOUNDARY = 1e11;

/** The largest time a JavaScript Date holds (±100,000,000 days around 1970). */
const MAX_TIME_MS = 8.64e15;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

export type TimestampResult = { ok: true; ms: number } | { ok: false; reason: string };

function fromEpoch(n: number): TimestampResult {
  if (!Number.isFinite(n)) return { ok: false, reason: `epoch value ${n} is not a finite number` };
  if (n < 0) return { ok: false, reason: `epoch value ${n} is negative` };
  const ms = Math.abs(n) < SECONDS_MS_BOUNDARY ? n * 1000 : n;
  // Beyond it no Date (nor an ISO string for the error message) exists for the value.
  if (ms > MAX_TIME_MS) return { ok: false, reason: `epoch value ${n} is beyond the year 275760` };
  return { ok: true, ms: Math.round(ms) };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return leap ? 29 : 28;
}

function fromIso(s: string): TimestampResult {
  const m = ISO.exec(s);
  if (!m) return { ok: false, reason: `"${s}" is not an ISO 8601 timestamp or epoch seconds/milliseconds` };
  const [, y, mo, d, h, mi, sec, frac, tz] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (month < 1 || month > 12) return { ok: false, reason: `"${s}" has month ${month}` };
  if (day < 1 || day > daysInMonth(year, month))
    return { ok: false, reason: `"${s}" has day ${day} in month ${month}` };
  if (hour > 23 || minute > 59 || second > 60)
    return { ok: false, reason: `"${s}" has an invalid time of day` };
  const millis = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  let ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), millis);
  if (tz !== undefined && tz !== 'Z' && tz !== 'z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2));
    const offM = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (offH > 23 || offM > 59) return { ok: false, reason: `"${s}" has an invalid UTC offset ${tz}` };
    ms -= sign * (offH * 60 + offM) * 60_000;
  }
  return { ok: true, ms };
}

/** Parses one timestamp value; `null`/empty is the caller's business (a missing value). */
export function parseTimestamp(value: unknown): TimestampResult {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value === 'bigint') return fromEpoch(Number(value));
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? { ok: false, reason: 'invalid Date' } : { ok: true, ms };
  }
  if (typeof value !== 'string') return { ok: false, reason: `expected a timestamp, got ${typeof value}` };
  const s = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return fromEpoch(Number(s));
  return fromIso(s);
}
