import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  COMPATIBILITY_LEVELS,
  compatibilityProblems,
  parseCompatibilityLevel,
  type CompatibilityLevel,
} from '../../../embedded/registry/compatibility.js';

type Field = { name: string; type: avro.Schema; default?: unknown };
const record = (fields: Field[]): avro.Type =>
  avro.Type.forSchema({ type: 'record', name: 'Event', fields } as avro.Schema);
const history = (...types: avro.Type[]) => types.map((type, i) => ({ version: i + 1, type }));
const compatible = (level: CompatibilityLevel, candidate: avro.Type, ...existing: avro.Type[]) =>
  compatibilityProblems(level, candidate, history(...existing)).length === 0;

const base = record([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
]);
const withOptional = record([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'note', type: ['null', 'string'], default: null },
]);
const withRequired = record([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'note', type: 'string' },
]);
const withoutCount = record([{ name: 'id', type: 'string' }]);
const countAsString = record([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'string' },
]);
const countAsLong = record([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'long' },
]);

describe('compatibility levels', () => {
  it('parses every level in any letter case and rejects others', () => {
    for (const level of COMPATIBILITY_LEVELS) {
      expect(parseCompatibilityLevel(level)).toBe(level);
      expect(parseCompatibilityLevel(level.toLowerCase())).toBe(level);
    }
    expect(parseCompatibilityLevel('SIDEWAYS')).toBeUndefined();
    expect(parseCompatibilityLevel(3)).toBeUndefined();
    expect(parseCompatibilityLevel(undefined)).toBeUndefined();
  });

  it('accepts anything under NONE and anything as a first version', () => {
    expect(compatible('NONE', countAsString, base)).toBe(true);
    for (const level of COMPATIBILITY_LEVELS) expect(compatible(level, countAsString)).toBe(true);
  });
});

describe('BACKWARD: the new schema reads data written with the latest one', () => {
  it('accepts an added field with a default, and a removed field', () => {
    expect(compatible('BACKWARD', withOptional, base)).toBe(true);
    expect(compatible('BACKWARD', withoutCount, base)).toBe(true);
  });

  it('refuses an added field without a default, naming it', () => {
    const problems = compatibilityProblems('BACKWARD', withRequired, history(base));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('note');
    expect(problems[0]).toContain('version 1');
  });

  it('refuses a changed type and accepts a promotion', () => {
    expect(compatible('BACKWARD', countAsString, base)).toBe(false);
    expect(compatible('BACKWARD', countAsLong, base)).toBe(true);
    expect(compatible('BACKWARD', base, countAsLong)).toBe(false);
  });

  it('accepts string <-> bytes and added enum symbols', () => {
    expect(compatible('BACKWARD', avro.Type.forSchema('bytes'), avro.Type.forSchema('string'))).toBe(true);
    expect(compatible('BACKWARD', avro.Type.forSchema('string'), avro.Type.forSchema('bytes'))).toBe(true);
    const e2 = avro.Type.forSchema({ type: 'enum', name: 'E', symbols: ['a', 'b'] });
    const e3 = avro.Type.forSchema({ type: 'enum', name: 'E', symbols: ['a', 'b', 'c'] });
    expect(compatible('BACKWARD', e3, e2)).toBe(true);
    expect(compatible('BACKWARD', e2, e3)).toBe(false);
  });

  it('looks at the latest version only; BACKWARD_TRANSITIVE at all of them', () => {
    const v1 = record([
      { name: 'id', type: 'string' },
      { name: 'extra', type: 'string' },
    ]);
    const v2 = record([{ name: 'id', type: 'string' }]);
    const v3 = record([
      { name: 'id', type: 'string' },
      { name: 'extra', type: 'int', default: 0 },
    ]);
    expect(compatible('BACKWARD', v3, v1, v2)).toBe(true);
    const problems = compatibilityProblems('BACKWARD_TRANSITIVE', v3, history(v1, v2));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('version 1');
  });
});

describe('FORWARD: the latest schema reads data written with the new one', () => {
  it('refuses a removed field without a default and accepts an added one', () => {
    expect(compatible('FORWARD', withoutCount, base)).toBe(false);
    expect(compatible('FORWARD', withRequired, base)).toBe(true);
  });

  it('refuses a promotion (old readers cannot read the wider type)', () => {
    expect(compatible('FORWARD', countAsLong, base)).toBe(false);
  });

  it('FORWARD_TRANSITIVE checks every version', () => {
    const v1 = record([
      { name: 'id', type: 'string' },
      { name: 'extra', type: 'string' },
    ]);
    const v2 = record([
      { name: 'id', type: 'string' },
      { name: 'extra', type: 'string', default: '' },
    ]);
    const v3 = record([{ name: 'id', type: 'string' }]);
    expect(compatible('FORWARD', v3, v1, v2)).toBe(true);
    expect(compatible('FORWARD_TRANSITIVE', v3, v1, v2)).toBe(false);
  });
});

describe('FULL: both directions', () => {
  it('accepts only changes that work both ways', () => {
    expect(compatible('FULL', withOptional, base)).toBe(true);
    expect(compatible('FULL', withRequired, base)).toBe(false);
    expect(compatible('FULL', withoutCount, base)).toBe(false);
    const problems = compatibilityProblems('FULL', countAsString, history(base));
    expect(problems).toHaveLength(2);
  });

  it('FULL_TRANSITIVE checks every version both ways', () => {
    const v1 = record([{ name: 'id', type: 'string' }]);
    const v2 = record([
      { name: 'id', type: 'string' },
      { name: 'a', type: 'int', default: 0 },
    ]);
    const v3 = record([
      { name: 'id', type: 'string' },
      { name: 'a', type: 'int', default: 0 },
      { name: 'b', type: 'int', default: 0 },
    ]);
    expect(compatible('FULL_TRANSITIVE', v3, v1, v2)).toBe(true);
    const v3bad = record([
      { name: 'id', type: 'long' },
      { name: 'a', type: 'int', default: 0 },
    ]);
    expect(compatible('FULL_TRANSITIVE', v3bad, v1, v2)).toBe(false);
  });
});
