/**
 * Public API of replay: `replayFile` (used by `recostream replay` and the API's upload route),
 * its options and report, and the pieces a caller may want on their own.
 */
export {
  replayFile,
  EXIT,
  TOPIC_OF_KIND,
  type ReplayOptions,
  type ReplayResult,
  type ReplayProgress,
} from './replay.js';
export type { QualityReport, RejectionSummary, ReplayStatus } from './report.js';
export type { ReplaySink, RecordProducer, ManifestStore, ProduceResult, ProduceFailure } from './sink.js';
export type { InputFormat, SourceRecord, ReplayRejectionCode } from './types.js';
export { SCORE_FORMULA, qualityScore } from './score.js';
export { openInput, readRecords, fileChecksum, parseDelimiterOption } from './input/index.js';
export { createKafkaReplaySink, replaySinkFrom, type KafkaSinkOptions } from './kafka-sink.js';
