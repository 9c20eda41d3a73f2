import { avroSchema } from '../../schemas/avro.js';
import type { RecordName } from '../../schemas/types.js';

/**
 * JSON Schemas of the Avro records, derived from the .avsc files (the source of truth), so the
 * API's response schemas and its OpenAPI document cannot drift from the topics' records. Used
 * for serialization (fast-json-stringify) and documentation, not for validating input: input
 * goes through the shared normaliser, which accepts more spellings than the Avro types.
 */

export type JsonSchema = { [key: string]: unknown };

interface AvroField {
  name: string;
  type: unknown;
  doc?: string;
}

function isNullType(t: unknown): boolean {
  return t === 'null';
}

function jsonOf(type: unknown): JsonSchema {
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
      case 'bytes':
        return { type: 'string' };
      case 'boolean':
        return { type: 'boolean' };
      case 'int':
      case 'long':
        return { type: 'integer' };
      case 'float':
      case 'double':
        return { type: 'number' };
      case 'null':
        return { type: 'null' };
      default:
        // A named type defined elsewhere in the schema: documented loosely.
        return {};
    }
  }
  if (Array.isArray(type)) {
    const members = type.filter((t) => !isNullType(t));
    const nullable = members.length < type.length;
    if (members.length === 1) {
      const inner = jsonOf(members[0]);
      if (nullable && typeof inner.type === 'string') return { ...inner, type: [inner.type, 'null'] };
      return nullable ? { anyOf: [inner, { type: 'null' }] } : inner;
    }
    return { anyOf: type.map(jsonOf) };
  }
  if (type !== null && typeof type === 'object') {
    const t = type as {
      type: string;
      logicalType?: string;
      items?: unknown;
      values?: unknown;
      symbols?: string[];
    };
    if (t.logicalType === 'timestamp-millis')
      return { type: 'integer', description: 'epoch milliseconds (UTC)' };
    switch (t.type) {
      case 'array':
        return { type: 'array', items: jsonOf(t.items) };
      case 'map':
        return { type: 'object', additionalProperties: jsonOf(t.values) };
      case 'enum':
        return { type: 'string', enum: t.symbols ?? [] };
      case 'record':
        return recordJsonSchema(t as unknown as { fields: AvroField[] });
      default:
        return jsonOf(t.type);
    }
  }
  return {};
}

function recordJsonSchema(record: { fields: AvroField[] }, omit: readonly string[] = []): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const field of record.fields) {
    if (omit.includes(field.name)) continue;
    const schema = jsonOf(field.type);
    properties[field.name] = field.doc
      ? {
          ...schema,
          description: schema.description ? `${field.doc} (${String(schema.description)})` : field.doc,
        }
      : schema;
  }
  return { type: 'object', properties };
}

/** The JSON Schema of a record's fields, all optional (a selection of fields is a valid value). */
export function recordProperties(name: RecordName, omit: readonly string[] = []): JsonSchema {
  return recordJsonSchema(avroSchema(name) as unknown as { fields: AvroField[] }, omit);
}

/** The same, with every field required and nothing else allowed: a whole record. */
export function wholeRecord(name: RecordName): JsonSchema {
  const schema = recordProperties(name);
  return { ...schema, required: Object.keys(schema.properties as object), additionalProperties: false };
}
