import { describe, expect, it } from 'vitest';
import { invalidSchemaCode, parse } from './helpers.js';

describe('schema identity (canonical form)', () => {
  const plain = {
    type: 'record',
    name: 'Event',
    namespace: 'com.acme',
    fields: [{ name: 'id', type: 'string' }],
  };

  it('ignores whitespace, key order, doc, namespace spelling and primitive objects', () => {
    const a = parse(JSON.stringify(plain));
    const b = parse(
      `{ "fields": [ {"type": {"type": "string"}, "name": "id", "doc": "the id"} ],\n "doc": "an event", "name": "com.acme.Event", "type": "record" }`,
    );
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(a.canonical).toBe(
      '{"name":"com.acme.Event","type":"record","fields":[{"name":"id","type":"string"}]}',
    );
  });

  it('resolves short references to named types within the namespace', () => {
    const nested = {
      type: 'record',
      name: 'Outer',
      namespace: 'ns',
      fields: [
        { name: 'a', type: { type: 'enum', name: 'Kind', symbols: ['x', 'y'] } },
        { name: 'b', type: 'Kind' },
      ],
    };
    const spelledOut = {
      type: 'record',
      name: 'ns.Outer',
      fields: [
        { name: 'a', type: { type: 'enum', name: 'ns.Kind', symbols: ['x', 'y'] } },
        { name: 'b', type: 'ns.Kind' },
      ],
    };
    expect(parse(JSON.stringify(nested)).fingerprint).toBe(parse(JSON.stringify(spelledOut)).fingerprint);
  });

  it('keeps what changes resolution: defaults, aliases, logical types', () => {
    const withDefault = { ...plain, fields: [{ name: 'id', type: 'string', default: '' }] };
    const withAlias = { ...plain, fields: [{ name: 'id', type: 'string', aliases: ['key'] }] };
    const logical = {
      ...plain,
      fields: [{ name: 'id', type: { type: 'long', logicalType: 'timestamp-millis' } }],
    };
    const asLong = { ...plain, fields: [{ name: 'id', type: 'long' }] };
    const prints = [plain, withDefault, withAlias, logical, asLong].map(
      (s) => parse(JSON.stringify(s)).fingerprint,
    );
    expect(new Set(prints).size).toBe(5);
  });

  it('compares default values by content, not key order', () => {
    const a = {
      ...plain,
      fields: [{ name: 'm', type: { type: 'map', values: 'int' }, default: { x: 1, y: 2 } }],
    };
    const b = {
      ...plain,
      fields: [{ name: 'm', type: { type: 'map', values: 'int' }, default: { y: 2, x: 1 } }],
    };
    expect(parse(JSON.stringify(a)).fingerprint).toBe(parse(JSON.stringify(b)).fingerprint);
  });

  it('rejects text that is not JSON or not a valid Avro schema with 42201', () => {
    expect(invalidSchemaCode('{not json')).toBe(42201);
    expect(invalidSchemaCode('{"type":"record","name":"R","fields":[{"name":"a","type":"nope"}]}')).toBe(
      42201,
    );
    expect(
      invalidSchemaCode('{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}'),
    ).toBe(42201);
  });
});
