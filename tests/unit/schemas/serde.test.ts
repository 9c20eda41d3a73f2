import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { avroSchema } from '../../../schemas/avro.js';
import {
  AvroSerde,
  DeserializationError,
  PayloadFormatError,
  SchemaValidationError,
  frame,
  parseWireHeader,
  valueSubject,
} from '../../../schemas/serde.js';
import { RECORD_NAMES } from '../../../schemas/types.js';
import { SAMPLES } from './samples.js';

/**
 * A registry stand-in for unit tests: ids by subject and canonical schema, avsc Types by id. The
 * integration suite runs the same serde against the real embedded registry.
 */
class FakeRegistry {
  readonly registered: { subject: string; id: number }[] = [];
  private readonly byId = new Map<number, avro.Type>();
  private readonly bySchema = new Map<string, number>();

  async register(schema: { schema: string }, opts: { subject: string }): Promise<{ id: number }> {
    let id = this.bySchema.get(schema.schema);
    if (id === undefined) {
      id = this.bySchema.size + 1;
      this.bySchema.set(schema.schema, id);
      this.byId.set(id, avro.Type.forSchema(JSON.parse(schema.schema) as avro.Schema));
    }
    this.registered.push({ subject: opts.subject, id });
    return { id };
  }

  async getSchema(id: number): Promise<avro.Type> {
    const t = this.byId.get(id);
    if (!t) throw new Error(`Schema ${id} not found`);
    return t;
  }

  /** Registers a schema directly (as another writer would), returning its id. */
  add(schema: object): number {
    const id = this.bySchema.size + 1;
    this.bySchema.set(JSON.stringify(schema), id);
    this.byId.set(id, avro.Type.forSchema(schema as avro.Schema));
    return id;
  }
}

function serde() {
  const registry = new FakeRegistry();
  return { registry, serde: new AvroSerde({ registry: registry as unknown as SchemaRegistry }) };
}

describe('Confluent wire format', () => {
  it('frames as magic byte 0, big-endian schema id, Avro body', () => {
    const out = frame(258, Buffer.from([7, 8]));
    expect([...out]).toEqual([0, 0, 0, 1, 2, 7, 8]);
    expect(parseWireHeader(out)).toEqual({ schemaId: 258, body: Buffer.from([7, 8]) });
  });

  it('rejects a JSON payload with a clear error', () => {
    expect(() => parseWireHeader(Buffer.from('{"user_id":"u1"}'))).toThrow(PayloadFormatError);
    expect(() => parseWireHeader(Buffer.from('{"user_id":"u1"}'))).toThrow(
      /first byte is 0x7b, expected magic byte 0x00/,
    );
  });

  it('rejects a payload too short to hold the header', () => {
    expect(() => parseWireHeader(Buffer.from([0, 0, 1]))).toThrow(/3 bytes is too short/);
  });
});

describe('AvroSerde', () => {
  it('registers under the TopicNameStrategy subject once and caches the id', async () => {
    const { registry, serde: s } = serde();
    await s.encode('interactions', 'Interaction', SAMPLES.Interaction);
    await s.encode('interactions', 'Interaction', SAMPLES.Interaction);
    expect(registry.registered).toEqual([{ subject: valueSubject('interactions'), id: 1 }]);
    expect(valueSubject('user-features.v1')).toBe('user-features.v1-value');
  });

  it('round-trips every record', async () => {
    const { serde: s } = serde();
    for (const name of RECORD_NAMES) {
      const encoded = await s.encode(`topic-${name}`, name, SAMPLES[name] as never);
      expect(encoded[0]).toBe(0);
      expect(await s.decode(name, encoded)).toEqual(SAMPLES[name]);
    }
  });

  it('names the fields of a value that does not fit the schema', async () => {
    const { serde: s } = serde();
    const bad = { ...SAMPLES.Interaction, user_id: 42 as unknown as string };
    await expect(s.encode('interactions', 'Interaction', bad)).rejects.toThrow(SchemaValidationError);
    await expect(s.encode('interactions', 'Interaction', bad)).rejects.toThrow(/user_id/);
  });

  it('turns a non-Confluent payload into a DeserializationError, not a crash', async () => {
    const { serde: s } = serde();
    const err = await s.decode('Interaction', Buffer.from('user,item,view')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeserializationError);
    expect((err as DeserializationError).reason).toBe('not_confluent_wire_format');
  });

  it('reports an unknown schema id', async () => {
    const { serde: s } = serde();
    const err = await s.decode('Interaction', frame(999, Buffer.from([1]))).catch((e: unknown) => e);
    expect((err as DeserializationError).reason).toBe('unknown_schema_id');
  });

  it('reports a truncated Avro body', async () => {
    const { serde: s } = serde();
    const good = await s.encode('interactions', 'Interaction', SAMPLES.Interaction);
    const err = await s.decode('Interaction', good.subarray(0, good.length - 4)).catch((e: unknown) => e);
    expect((err as DeserializationError).reason).toBe('avro_decode_failed');
  });

  it('reads data written with an older compatible schema', async () => {
    const { registry, serde: s } = serde();
    const older = structuredClone(avroSchema('Interaction')) as unknown as { fields: { name: string }[] };
    older.fields = older.fields.filter((f) => f.name !== 'page_context');
    const id = registry.add(older);
    const { page_context: _omit, ...oldValue } = SAMPLES.Interaction;
    const payload = frame(id, avro.Type.forSchema(older as avro.Schema).toBuffer(oldValue));
    expect(await s.decode('Interaction', payload)).toEqual({ ...SAMPLES.Interaction, page_context: null });
  });
});
