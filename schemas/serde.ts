import type avro from 'avsc';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { avroSchema, avroType, invalidPaths } from './avro.js';
import type { RecordName, RecordTypes } from './types.js';

/**
 * Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary body.
 * Schemas are registered and fetched through @kafkajs/confluent-schema-registry (which caches
 * them by id); framing and Avro coding happen here with one cached avsc Type per schema so that
 * the hot path costs one Map lookup per record.
 */
export const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

/** Why a payload could not be decoded; `reason` is short and stable enough for dead letters. */
export class DeserializationError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'DeserializationError';
  }
}

/** The payload is not in the Confluent wire format at all (wrong magic byte, too short). */
export class PayloadFormatError extends DeserializationError {
  constructor(message: string) {
    super('not_confluent_wire_format', message);
    this.name = 'PayloadFormatError';
  }
}

/** The value does not fit its schema (encoding side), naming the offending fields. */
export class SchemaValidationError extends Error {
  constructor(
    readonly record: RecordName,
    readonly paths: string[],
  ) {
    super(`${record} does not match its schema at: ${paths.join(', ') || '(root)'}`);
    this.name = 'SchemaValidationError';
  }
}

export function parseWireHeader(payload: Buffer): { schemaId: number; body: Buffer } {
  if (!Buffer.isBuffer(payload)) throw new PayloadFormatError('payload is not a byte buffer');
  if (payload.length < HEADER_BYTES) {
    throw new PayloadFormatError(
      `payload of ${payload.length} bytes is too short for the Confluent wire format (magic byte + 4-byte schema id + Avro body)`,
    );
  }
  if (payload[0] !== MAGIC_BYTE) {
    throw new PayloadFormatError(
      `payload is not in the Confluent wire format: first byte is 0x${payload[0]!.toString(16).padStart(2, '0')}, expected magic byte 0x00`,
    );
  }
  return { schemaId: payload.readInt32BE(1), body: payload.subarray(HEADER_BYTES) };
}

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  body.copy(out, HEADER_BYTES);
  return out;
}

/** TopicNameStrategy: the value subject of a topic. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

export interface SerdeOptions {
  /** Registry client; one is created from `url` when absent. */
  registry?: SchemaRegistry;
  url?: string;
}

export class AvroSerde {
  readonly registry: SchemaRegistry;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly resolvers = new Map<string, Promise<avro.Resolver | null>>();

  constructor(options: SerdeOptions) {
    if (options.registry) this.registry = options.registry;
    else if (options.url) this.registry = new SchemaRegistry({ host: options.url });
    else throw new Error('AvroSerde needs a registry client or url');
  }

  /**
   * Registers the record's schema under the topic's value subject (idempotent: the registry
   * returns the existing id for an identical schema) and caches the id.
   */
  schemaId(topic: string, record: RecordName): Promise<number> {
    const subject = valueSubject(topic);
    const key = `${subject}\u0000${record}`;
    let id = this.ids.get(key);
    if (!id) {
      id = this.registry
        .register({ type: SchemaType.AVRO, schema: JSON.stringify(avroSchema(record)) }, { subject })
        .then((r) => r.id);
      id.catch(() => this.ids.delete(key));
      this.ids.set(key, id);
    }
    return id;
  }

  /** Encodes one value; throws SchemaValidationError naming the fields that do not fit. */
  async encode<N extends RecordName>(topic: string, record: N, value: RecordTypes[N]): Promise<Buffer> {
    const id = await this.schemaId(topic, record);
    return this.encodeWithId(id, record, value);
  }

  encodeWithId<N extends RecordName>(schemaId: number, record: N, value: RecordTypes[N]): Buffer {
    const type = avroType(record);
    let body: Buffer;
    try {
      body = type.toBuffer(value);
    } catch {
      throw new SchemaValidationError(record, invalidPaths(record, value));
    }
    return frame(schemaId, body);
  }

  /**
   * Decodes a payload into the current shape of `record`, resolving from whatever (compatible)
   * schema it was written with. Every failure is a DeserializationError with a reason, so the
   * caller can dead-letter it instead of crashing.
   */
  async decode<N extends RecordName>(record: N, payload: Buffer): Promise<RecordTypes[N]> {
    const { schemaId, body } = parseWireHeader(payload);
    const resolver = await this.resolverFor(record, schemaId);
    try {
      const reader = avroType(record);
      return (resolver ? reader.fromBuffer(body, resolver) : reader.fromBuffer(body)) as RecordTypes[N];
    } catch (err) {
      throw new DeserializationError(
        'avro_decode_failed',
        `Avro body of ${body.length} bytes (schema id ${schemaId}) could not be decoded as ${record}: ${(err as Error).message}`,
      );
    }
  }

  /** null = writer schema identical to ours (decode directly); else a resolver writer -> reader. */
  private resolverFor(record: RecordName, schemaId: number): Promise<avro.Resolver | null> {
    const key = `${record}\u0000${schemaId}`;
    let resolver = this.resolvers.get(key);
    if (!resolver) {
      resolver = this.registry.getSchema(schemaId).then(
        (writer) => {
          const reader = avroType(record);
          const writerType = writer as unknown as avro.Type;
          if (reader.equals(writerType)) return null;
          try {
            return reader.createResolver(writerType);
          } catch (err) {
            throw new DeserializationError(
              'incompatible_schema',
              `schema id ${schemaId} cannot be read as ${record}: ${(err as Error).message}`,
            );
          }
        },
        (err: Error) => {
          throw new DeserializationError(
            'unknown_schema_id',
            `schema id ${schemaId} could not be fetched from the registry: ${err.message}`,
          );
        },
      );
      // Do not cache failures that may be transient (registry down); do cache the rest.
      resolver.catch(() => this.resolvers.delete(key));
      this.resolvers.set(key, resolver);
    }
    return resolver;
  }
}
