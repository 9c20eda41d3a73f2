/**
 * Field-by-field comparison of a streaming feature record with the oracle's, with the relative
 * tolerance docs/FEATURES.md allows for floating-point features. Returns readable differences
 * (empty when equal) so a failing test says which entity and field disagree.
 */
export const RELATIVE_TOLERANCE = 1e-9;

function close(a: number, b: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

function equalValue(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') return close(actual, expected);
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return actual.length === expected.length && actual.every((v, i) => equalValue(v, expected[i]));
  }
  return actual === expected;
}

export function featureDifferences(
  entity: string,
  actual: Record<string, unknown> | undefined,
  expected: Record<string, unknown>,
): string[] {
  if (!actual) return [`${entity}: missing`];
  const diffs: string[] = [];
  for (const [field, value] of Object.entries(expected)) {
    if (!equalValue(actual[field], value)) {
      diffs.push(
        `${entity}.${field}: got ${JSON.stringify(actual[field])}, expected ${JSON.stringify(value)}`,
      );
    }
  }
  return diffs;
}
