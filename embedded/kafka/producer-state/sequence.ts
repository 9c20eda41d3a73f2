export const INT32_MAX = 2147483647;

/**
 * Sequence numbers wrap to 0 after INT32_MAX (a long-lived idempotent producer does reach it):
 * the sequence `increment` steps after `sequence`.
 */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}
