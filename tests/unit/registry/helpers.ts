import { RegistryError } from '../../../embedded/registry/errors.js';
import { parseSchema, type ParsedSchema } from '../../../embedded/registry/schema.js';

export function parse(schema: string): ParsedSchema {
  return parseSchema({ schema, references: [] }, () => {
    throw new Error('no references expected');
  });
}

/** The registry error code parsing `schema` fails with (undefined if it parses). */
export function invalidSchemaCode(schema: string): number | undefined {
  try {
    parse(schema);
    return undefined;
  } catch (err) {
    if (err instanceof RegistryError) return err.errorCode;
    throw err;
  }
}

export const recordSchema = (
  name: string,
  fields: { name: string; type: unknown; default?: unknown }[],
): string => JSON.stringify({ type: 'record', name, fields });
