/** A record batch (or a `recs` blob) that does not follow the RecordBatch v2 layout. */
export class InvalidRecordError extends Error {
  override readonly name = 'InvalidRecordError';
}

/**
 * A batch compressed with a codec this broker cannot decode. Appends never need to decode, so
 * this only stops work that must read records (compaction, timestamp lookups), never a produce.
 */
export class UnsupportedCompressionError extends Error {
  override readonly name = 'UnsupportedCompressionError';
  constructor(readonly codec: number) {
    super(`compression codec ${codec} (${codecName(codec)}) is not available in this broker`);
  }
}

export function codecName(codec: number): string {
  return ['none', 'gzip', 'snappy', 'lz4', 'zstd'][codec] ?? 'unknown';
}
