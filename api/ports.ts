import type { Readable } from 'node:stream';
import type { RecordOfKind } from '../schemas/normalise/index.js';
import type { DeadLetter, TrainingRun } from '../schemas/types.js';

/**
 * What the API needs from the other parts, as small interfaces. The real implementations live
 * in their own folders (the typed producer, replay, the trainer); the API only knows these shapes,
 * so tests and `recostream up` can wire whichever implementation exists.
 */

/** The topics the API writes, and the record each carries. */
export interface ApiTopicRecords extends RecordOfKind {
  'dead-letters': DeadLetter;
}
export type ApiTopic = keyof ApiTopicRecords;

export interface ProduceFailure {
  /** Index into the records passed to `produce`. */
  index: number;
  reason: string;
}

export interface ProduceOutcome {
  sent: number;
  failed: ProduceFailure[];
}

/**
 * Produces Avro records keyed by their topic's key field, acknowledged by every in-sync replica
 * (acks=all) before the promise resolves.
 */
export interface RecordProducer {
  produce<T extends ApiTopic>(topic: T, records: readonly ApiTopicRecords[T][]): Promise<ProduceOutcome>;
  /** A null value for `key` on a compacted topic: the entity is deleted when the log compacts. */
  tombstone(topic: 'items' | 'users', key: string): Promise<void>;
}

export type UploadKind = 'interactions' | 'items' | 'users';
export const UPLOAD_KINDS: readonly UploadKind[] = ['interactions', 'items', 'users'];

export interface UploadRequest {
  kind: UploadKind;
  /** The file's bytes as they arrive (never buffered whole). */
  content: Readable;
  /** The uploaded file's name; the records' source becomes `replay:<fileName>`. */
  fileName: string;
  /** csv, json or ndjson; undefined: detected from the name and the first bytes. */
  format?: 'csv' | 'json' | 'ndjson';
  /** Validate and report without producing. */
  dryRun: boolean;
  /** Input column -> schema field, like `replay --map`. */
  columnMap?: Record<string, string>;
}

/** The replay quality report, as JSON (replay owns its exact shape). */
export type QualityReport = { [key: string]: unknown };

/** Streams an uploaded file through the replay path; resolves to its quality report. */
export interface UploadReplayer {
  replay(request: UploadRequest): Promise<QualityReport>;
}

export interface TriggerRequest {
  /** One model kind to train, or undefined for the trainer's default set. */
  model?: string;
  /** Free text recorded with the run. */
  reason?: string;
  /** Evaluation protocol; undefined: the trainer's default (temporal unless configured). */
  protocol?: 'temporal' | 'kfold';
  /** Folds of the kfold protocol (a temporal run has none). */
  folds?: number;
  /** Random seed: the same snapshot and seed give the same model. */
  seed?: number;
}

export type TriggerOutcome =
  | { accepted: true; run: TrainingRun }
  /** A run is already in progress (the trainer runs one at a time). */
  | { accepted: false; reason: string; running: TrainingRun | null };

/** The trainer as the API drives it (the training daemon implements this). */
export interface TrainerClient {
  trigger(request: TriggerRequest): Promise<TriggerOutcome>;
  /** Newest first. */
  listRuns(options: { limit: number }): Promise<TrainingRun[]>;
  getRun(runId: string): Promise<TrainingRun | null>;
}
