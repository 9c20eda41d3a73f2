import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../../schemas/normalise/index.js';

const T = Date.UTC(2024, 0, 15, 14, 30, 0);

function ms(value: unknown): number {
  const r = parseTimestamp(value);
  if (!r.ok) throw new Error(r.reason);
  return r.ms;
}

describe('timestamp forms', () => {
  it.each([
    ['2024-01-15T14:30:00Z', T],
    ['2024-01-15T14:30:00z', T],
    ['2024-01-15T14:30:00', T], // no offset means UTC
    ['2024-01-15 14:30:00', T],
    ['2024-01-15T14:30', T],
    ['2024-01-15T14:30:00.250Z', T + 250],
    ['2024-01-15T14:30:00.123456Z', T + 123],
    ['2024-01-15T16:30:00+02:00', T],
    ['2024-01-15T09:30:00-0500', T],
    ['2024-01-15T19:00:00+04:30', T],
    ['2024-01-15T15:30:00+01', T],
    ['2024-01-15', Date.UTC(2024, 0, 15)],
  ])('ISO 8601 %s', (input, expected) => {
    expect(ms(input)).toBe(expected);
  });

  it.each([
    [T / 1000, T],
    [String(T / 1000), T],
    [T, T],
    [String(T), T],
    [1705329000.5, T + 500],
    ['1705329000.5', T + 500],
  ])('epoch %s', (input, expected) => {
    expect(ms(input)).toBe(expected);
  });

  it('tells epoch seconds from milliseconds by magnitude', () => {
    expect(ms(0)).toBe(0);
    expect(ms(99_999_999_999)).toBe(99_999_999_999_000); // seconds: year 5138
    expect(ms(100_000_000_000)).toBe(100_000_000_000); // milliseconds: 1973
  });

  it.each([
    ['2024-02-30T00:00:00Z', /day 30 in month 2/],
    ['2024-13-01', /month 13/],
    ['2024-01-15T25:00:00Z', /invalid time of day/],
    ['2024-01-15T10:00:00+25:00', /invalid UTC offset/],
    ['yesterday', /not an ISO 8601 timestamp/],
    ['01/15/2024', /not an ISO 8601 timestamp/],
    ['-5', /negative/],
    ['9000000000000000', /beyond the year 275760/],
    [1e300, /beyond the year 275760/],
  ])('rejects %s', (input, reason) => {
    const r = parseTimestamp(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('accepts a leap day and rejects one in a common year', () => {
    expect(ms('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseTimestamp('2023-02-29').ok).toBe(false);
  });
  it('follows the Gregorian century rule and the month lengths', () => {
    expect(parseTimestamp('2000-02-29').ok).toBe(true);
    expect(parseTimestamp('1900-02-29').ok).toBe(false);
    expect(parseTimestamp('2024-04-31').ok).toBe(false);
    expect(parseTimestamp('2024-12-31').ok).toBe(true);
  });
});
