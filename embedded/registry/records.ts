import type { CompatibilityLevel } from './compatibility.js';
import { parseCompatibilityLevel } from './compatibility.js';
import type { SchemaReference } from './schema.js';

/**
 * The records of the `_schemas` topic (one partition, compacted), modelled on Confluent's:
 * keys and values are JSON, a null value is a tombstone.
 *
 * - SCHEMA: one registered subject version. Unlike Confluent's key (subject, version) the key
 *   also names the schema id and fingerprint, so that two registries racing for the same
 *   version write different keys: compaction then never replaces the winner's claim with the
 *   loser's, and the loser removes its own claim with a tombstone (see state.ts). The only
 *   later writes to a claim's key are its soft delete (`deleted: true`) and its permanent
 *   delete (tombstone).
 * - CONFIG: the compatibility level of a subject, or the global one (subject null); a
 *   tombstone removes it.
 *
 * Keys are built field by field in a fixed order so the same logical key is always the same
 * bytes (compaction compares bytes).
 */

export interface SchemaKey {
  keytype: 'SCHEMA';
  subject: string;
  version: number;
  id: number;
  fingerprint: string;
}

export interface ConfigKey {
  keytype: 'CONFIG';
  subject: string | null;
}

export type RegistryKey = SchemaKey | ConfigKey;

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schema: string;
  references: SchemaReference[];
  deleted: boolean;
}

export interface ConfigValue {
  compatibilityLevel: CompatibilityLevel;
}

export function encodeKey(key: RegistryKey): string {
  if (key.keytype === 'SCHEMA') {
    return JSON.stringify({
      keytype: 'SCHEMA',
      subject: key.subject,
      version: key.version,
      id: key.id,
      fingerprint: key.fingerprint,
      magic: 1,
    });
  }
  return JSON.stringify({ keytype: 'CONFIG', subject: key.subject, magic: 0 });
}

export function encodeSchemaValue(v: SchemaValue): string {
  return JSON.stringify({
    subject: v.subject,
    version: v.version,
    id: v.id,
    schemaType: 'AVRO',
    schema: v.schema,
    ...(v.references.length ? { references: v.references } : {}),
    deleted: v.deleted,
  });
}

export function encodeConfigValue(v: ConfigValue): string {
  return JSON.stringify({ compatibilityLevel: v.compatibilityLevel });
}

function object(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const isVersion = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

/** undefined for keys this registry does not understand (other tools' records, NOOPs): skipped. */
export function decodeKey(text: string): RegistryKey | undefined {
  const o = object(text);
  if (!o) return undefined;
  if (o.keytype === 'SCHEMA') {
    if (typeof o.subject !== 'string' || !isVersion(o.version) || !isVersion(o.id)) return undefined;
    if (typeof o.fingerprint !== 'string') return undefined;
    return {
      keytype: 'SCHEMA',
      subject: o.subject,
      version: o.version,
      id: o.id,
      fingerprint: o.fingerprint,
    };
  }
  if (o.keytype === 'CONFIG') {
    if (o.subject !== null && o.subject !== undefined && typeof o.subject !== 'string') return undefined;
    return { keytype: 'CONFIG', subject: typeof o.subject === 'string' ? o.subject : null };
  }
  return undefined;
}

function isReference(r: unknown): r is SchemaReference {
  const o = r as Record<string, unknown> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.name === 'string' &&
    typeof o.subject === 'string' &&
    isVersion(o.version)
  );
}

export function decodeSchemaValue(text: string): SchemaValue | undefined {
  const o = object(text);
  if (!o || typeof o.subject !== 'string' || !isVersion(o.version) || !isVersion(o.id)) return undefined;
  if (typeof o.schema !== 'string') return undefined;
  const references = Array.isArray(o.references) ? o.references.filter(isReference) : [];
  return {
    subject: o.subject,
    version: o.version,
    id: o.id,
    schema: o.schema,
    references,
    deleted: o.deleted === true,
  };
}

export function decodeConfigValue(text: string): ConfigValue | undefined {
  const o = object(text);
  const level = parseCompatibilityLevel(o?.compatibilityLevel);
  return level ? { compatibilityLevel: level } : undefined;
}
