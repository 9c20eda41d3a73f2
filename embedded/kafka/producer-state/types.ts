/** The producer fields of a batch header that idempotence looks at. */
export interface ProducerBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
}

/** What the partition remembers of one appended batch (the last 5 per producer). */
export interface BatchMetadata {
  firstSequence: number;
  lastSequence: number;
  firstOffset: number;
  lastOffset: number;
  /** The batch's maxTimestamp as stored (the log append time for LogAppendTime topics). */
  timestamp: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Oldest first, at most BATCHES_PER_PRODUCER. */
  batches: BatchMetadata[];
  /** Broker wall-clock time of the last append: expiry runs on it, never on record timestamps. */
  lastAppendTime: number;
}

/** What to do with an incoming batch. */
export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number; timestamp: number }
  | { kind: 'reject'; errorCode: number; message: string };

/** Kafka keeps the metadata of the last five batches per producer to recognise retries. */
export const BATCHES_PER_PRODUCER = 5;
