import { createHash } from 'node:crypto';
import avro from 'avsc';
import { canonicalSchema, type Json } from './canonical.js';
import { RegistryError, invalidSchema } from './errors.js';

/** A named type defined in another subject's schema version (Confluent schema references). */
export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

/** What a client submits: the schema text and its references. Only Avro is stored here. */
export interface SchemaInput {
  schema: string;
  references: SchemaReference[];
}

export interface ParsedSchema extends SchemaInput {
  type: avro.Type;
  /** Canonical JSON text (see canonical.ts), references appended: the identity of the schema. */
  canonical: string;
  /** sha256 of `canonical`, hex: short enough for log keys, collision-free for practical purposes. */
  fingerprint: string;
}

/** Finds the schema text of a referenced subject version (throws a RegistryError when missing). */
export type ReferenceResolver = (ref: SchemaReference) => SchemaInput;

function parseJson(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw invalidSchema(`${what} is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Loads the references' named types (depth first, each subject version once) into the avsc
 * registry, so the schema that uses them parses.
 */
function loadReferences(
  references: readonly SchemaReference[],
  resolve: ReferenceResolver,
  registry: Record<string, avro.Type>,
  seen: Set<string>,
): void {
  for (const ref of references) {
    const key = `${ref.subject}\u0000${ref.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const target = resolve(ref);
    loadReferences(target.references, resolve, registry, seen);
    try {
      avro.Type.forSchema(parseJson(target.schema, `reference ${ref.name}`) as avro.Schema, { registry });
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw invalidSchema(
        `reference ${ref.name} (${ref.subject} version ${ref.version}): ${(err as Error).message}`,
      );
    }
  }
}

export function parseSchema(input: SchemaInput, resolve: ReferenceResolver): ParsedSchema {
  const json = parseJson(input.schema, 'the schema');
  const registry: Record<string, avro.Type> = {};
  loadReferences(input.references, resolve, registry, new Set());
  const referenced = new Set(Object.keys(registry));
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(json as avro.Schema, { registry });
  } catch (err) {
    throw invalidSchema((err as Error).message);
  }
  for (const ref of input.references) {
    if (!referenced.has(ref.name)) {
      throw invalidSchema(
        `reference ${ref.name} is not a named type of ${ref.subject} version ${ref.version}`,
      );
    }
  }
  const canonical =
    JSON.stringify(canonicalSchema(json, new Set(Object.keys(registry)))) +
    (input.references.length
      ? JSON.stringify(input.references.map((r) => [r.name, r.subject, r.version]))
      : '');
  return {
    schema: input.schema,
    references: input.references,
    type,
    canonical,
    fingerprint: createHash('sha256').update(canonical).digest('hex'),
  };
}
