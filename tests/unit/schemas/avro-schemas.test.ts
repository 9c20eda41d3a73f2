import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroSchema, avroType, fieldNames, invalidPaths } from '../../../schemas/avro.js';
import { RECORD_NAMES } from '../../../schemas/types.js';
import { SAMPLES } from './samples.js';

type Field = { name: string; type: unknown; doc?: string; default?: unknown };

function isNullableUnion(type: unknown): type is unknown[] {
  return Array.isArray(type) && type.includes('null');
}

describe('Avro schemas', () => {
  for (const name of RECORD_NAMES) {
    describe(name, () => {
      const schema = avroSchema(name) as unknown as { namespace: string; doc?: string; fields: Field[] };

      it('parses with avsc, in namespace recostream, with a doc on the record and every field', () => {
        expect(() => avro.Type.forSchema(avroSchema(name))).not.toThrow();
        expect(schema.namespace).toBe('recostream');
        expect(schema.doc).toBeTruthy();
        const undocumented = schema.fields.filter((f) => !f.doc || f.doc.trim() === '').map((f) => f.name);
        expect(undocumented).toEqual([]);
      });

      it('declares nullable fields as ["null", T] with default null', () => {
        for (const field of schema.fields.filter((f) => isNullableUnion(f.type))) {
          expect((field.type as unknown[])[0], field.name).toBe('null');
          expect(field.default, field.name).toBeNull();
        }
      });

      it('uses timestamp-millis for every time field', () => {
        const timeFields = schema.fields.filter((f) => /(_time|_at|as_of|join_date|_clock)$/.test(f.name));
        expect(timeFields.length).toBeGreaterThan(0);
        for (const f of timeFields)
          expect(JSON.stringify(f.type), f.name).toContain('"logicalType":"timestamp-millis"');
      });

      it('has a TypeScript shape with exactly the schema fields', () => {
        expect(Object.keys(SAMPLES[name])).toEqual(fieldNames(name));
      });

      it('round-trips a sample through avsc', () => {
        const type = avroType(name);
        const sample = SAMPLES[name];
        expect(invalidPaths(name, sample)).toEqual([]);
        const decoded = type.fromBuffer(type.toBuffer(sample));
        expect(decoded).toEqual(sample);
      });
    });
  }

  it('reports the offending field of an invalid value', () => {
    const bad = { ...SAMPLES.Interaction, event_type: 'teleport' as never, rating: 'high' as never };
    expect(invalidPaths('Interaction', bad).sort()).toEqual(['event_type', 'rating']);
  });

  it('stays backward compatible when a nullable field with default null is added', () => {
    const v1 = avroType('Interaction');
    const v2Schema = structuredClone(avroSchema('Interaction')) as unknown as { fields: Field[] };
    v2Schema.fields.push({ name: 'campaign', type: ['null', 'string'], default: null, doc: 'x' });
    const v2 = avro.Type.forSchema(v2Schema as avro.Schema);
    const resolver = v2.createResolver(v1);
    const decoded = v2.fromBuffer(v1.toBuffer(SAMPLES.Interaction), resolver) as Record<string, unknown>;
    expect(decoded.campaign).toBeNull();
    expect(decoded.event_id).toBe(SAMPLES.Interaction.event_id);
  });
});
