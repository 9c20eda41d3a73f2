import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import avro from 'avsc';
import { RECORD_NAMES, type RecordName, type RecordTypes } from './types.js';

export type AvroSchema = avro.Schema & { name: string; fields: { name: string }[] };

/**
 * The .avsc files are the source of truth. Compiled code runs from dist/schemas/, so look next to
 * this module first and then in the package's own schemas/ folder.
 */
function schemaDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [here, path.resolve(here, '..', '..', 'schemas')];
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'Interaction.avsc'))) return dir;
  }
  throw new Error(`Avro schemas not found (looked in ${candidates.join(', ')})`);
}

const schemaCache = new Map<RecordName, AvroSchema>();
const typeCache = new Map<RecordName, avro.Type>();

/** The parsed .avsc document of a record. */
export function avroSchema(name: RecordName): AvroSchema {
  let schema = schemaCache.get(name);
  if (!schema) {
    schema = JSON.parse(readFileSync(path.join(schemaDir(), `${name}.avsc`), 'utf8')) as AvroSchema;
    schemaCache.set(name, schema);
  }
  return schema;
}

/** The avsc Type of a record (for validation and local encoding). */
export function avroType(name: RecordName): avro.Type {
  let type = typeCache.get(name);
  if (!type) {
    type = avro.Type.forSchema(avroSchema(name));
    typeCache.set(name, type);
  }
  return type;
}

/** Field names of a record, in schema order. */
export function fieldNames(name: RecordName): string[] {
  return avroSchema(name).fields.map((f) => f.name);
}

/**
 * Paths of the fields of `value` that do not fit the schema (empty when valid), for error
 * messages that name the field.
 */
export function invalidPaths<N extends RecordName>(name: N, value: RecordTypes[N]): string[] {
  const paths: string[] = [];
  avroType(name).isValid(value, {
    errorHook: (p: string[]) => {
      paths.push(p.join('.'));
    },
  });
  return paths;
}

export { RECORD_NAMES };
