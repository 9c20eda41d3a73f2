import type { User } from '../types.js';
import { FieldCollector } from './collect.js';
import { collectAttributes } from './item.js';
import type { Normalised, NormaliseOptions } from './result.js';
import type { FieldRow } from './row.js';

const AGE_GROUPS: [number, string][] = [
  [18, 'under-18'],
  [25, '18-24'],
  [35, '25-34'],
  [45, '35-44'],
  [55, '45-54'],
  [65, '55-64'],
];

/** The brackets the predecessor user tables use (18-24, 25-34, ...), derived when only age is known. */
export function ageGroup(age: number): string {
  for (const [below, label] of AGE_GROUPS) if (age < below) return label;
  return '65+';
}

export function normaliseUserFields(row: FieldRow, opts: NormaliseOptions): Normalised<User> {
  const now = opts.now ?? Date.now();
  const c = new FieldCollector(row.fields, now);
  const user_id = c.requiredId('user_id');
  const age = c.optionalNumber('age', (a) =>
    Number.isInteger(a) && a > 0 && a < 150 ? null : `age ${a} is not a whole number between 1 and 149`,
  );
  const age_group = c.optionalString('age_group', 100) ?? (age !== null ? ageGroup(age) : null);
  const gender = c.optionalString('gender', 100);
  const location = c.optionalString('location', 500);
  const device = c.optionalString('device', 200);
  const segment = c.optionalString('segment', 200);
  const join_date = c.optionalTime('join_date');
  const attributes = collectAttributes(c, row);
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return {
    ok: true,
    value: {
      user_id,
      age,
      age_group,
      gender,
      location,
      device,
      segment,
      join_date,
      attributes,
      source: opts.source,
      ingest_time: now,
    },
  };
}
