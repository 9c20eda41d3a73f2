/**
 * What the handlers need of the log layer: the LogManager/PartitionLog contract of README.md,
 * as a structural interface so handlers depend on behaviour, not on the implementation.
 */
export interface TopicConfig {
  'cleanup.policy': string;
  'retention.ms': number;
  'retention.bytes': number;
  'segment.bytes': number;
  'segment.ms': number;
  'delete.retention.ms': number;
  'min.cleanable.dirty.ratio': number;
  'min.compaction.lag.ms': number;
  'max.message.bytes': number;
  'message.timestamp.type': 'CreateTime' | 'LogAppendTime';
  'compression.type': string;
}

export interface AppendResult {
  errorCode: number;
  baseOffset: number;
  logAppendTime: number;
  logStartOffset: number;
}

export interface PartitionStore {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  append(batch: Buffer, now: number): AppendResult;
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean): Buffer;
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } | null;
  deleteRecordsBefore(offset: number): number;
}

export interface LogStore {
  topics(): string[];
  has(topic: string): boolean;
  partitionCount(topic: string): number;
  createTopic(name: string, partitions: number, overrides: Partial<TopicConfig>): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  createPartitions(name: string, total: number): Promise<void>;
  topicConfig(name: string): TopicConfig;
  topicOverrides(name: string): Partial<TopicConfig>;
  alterTopicConfig(name: string, overrides: Partial<TopicConfig>): Promise<void>;
  partition(topic: string, partition: number): PartitionStore | undefined;
  onAppend(listener: (topic: string, partition: number) => void): () => void;
}
