import type { DeadLetter, ReplayManifest } from '../schemas/types.js';

/** A record the producer could not send, by its index in the batch. */
export interface ProduceFailure {
  index: number;
  /** `invalid`: the record does not fit its schema; `not-sent`: the broker did not take it. */
  kind?: 'invalid' | 'not-sent';
  reason: string;
  field?: string;
}

export interface ProduceResult {
  sent: number;
  failed: ProduceFailure[];
}

/**
 * What replay needs from the typed producer (topology/producer.ts): encode with the registered
 * schema, key by the topic's declared key field, acks=all, idempotent, per-record failures.
 */
export interface RecordProducer {
  produce(topic: string, records: readonly object[]): Promise<ProduceResult>;
}

/** Where manifests live (the compacted replay-manifests topic in production). */
export interface ManifestStore {
  /** The latest manifest recorded under a key, or null. */
  latest(replayKey: string): Promise<ReplayManifest | null>;
  record(manifest: ReplayManifest): Promise<void>;
}

/** Everything a non-dry replay writes to. */
export interface ReplaySink {
  producer: RecordProducer;
  manifests: ManifestStore;
  close(): Promise<void>;
}

export type { DeadLetter };
