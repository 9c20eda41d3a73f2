import type avro from 'avsc';

/**
 * Schema evolution rules, decided by avsc's schema resolution: a reader schema can read data
 * written with a writer schema exactly when `reader.createResolver(writer)` succeeds (fields
 * the reader adds need defaults, promotions int->long->float->double and string<->bytes, enum
 * symbols, union branches, named types matched by name or alias).
 */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** Confluent's default when neither the subject nor the registry has a level configured. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

/** Accepts any letter case (curl users type `backward`); returns the canonical upper-case level. */
export function parseCompatibilityLevel(value: unknown): CompatibilityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper)
    ? (upper as CompatibilityLevel)
    : undefined;
}

/** null when `reader` can read everything written with `writer`, else why not. */
export function readProblem(reader: avro.Type, writer: avro.Type): string | null {
  try {
    reader.createResolver(writer);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A schema version that the candidate is checked against. */
export interface ExistingSchema {
  version: number;
  type: avro.Type;
}

/**
 * The problems (empty = compatible) of registering `candidate` after `existing` (oldest first,
 * live versions only) under `level`. Non-transitive levels look at the newest version only.
 */
export function compatibilityProblems(
  level: CompatibilityLevel,
  candidate: avro.Type,
  existing: readonly ExistingSchema[],
): string[] {
  if (level === 'NONE' || existing.length === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? existing : existing.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: string[] = [];
  for (const old of against) {
    if (backward) {
      const p = readProblem(candidate, old.type);
      if (p) problems.push(`new schema cannot read data written with version ${old.version} (${p})`);
    }
    if (forward) {
      const p = readProblem(old.type, candidate);
      if (p) problems.push(`version ${old.version} cannot read data written with the new schema (${p})`);
    }
  }
  return problems;
}
