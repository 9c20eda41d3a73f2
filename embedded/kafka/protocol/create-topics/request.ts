import { array, boolean, int16, int32, nullableString, since, string, struct } from '../schema.js';

/** CreateTopics v0–4 (v1 adds validate_only). -1 partitions / replication factor = broker default. */
export interface CreatableReplicaAssignment {
  partitionIndex: number;
  brokerIds: number[];
}
export interface CreatableTopicConfig {
  name: string;
  value: string | null;
}
export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: CreatableReplicaAssignment[];
  configs: CreatableTopicConfig[];
}
export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const createTopicsRequest = struct<CreateTopicsRequest>({
  topics: array(
    struct<CreatableTopic>({
      name: string,
      numPartitions: int32,
      replicationFactor: int16,
      assignments: array(
        struct<CreatableReplicaAssignment>({ partitionIndex: int32, brokerIds: array(int32) }),
      ),
      configs: array(struct<CreatableTopicConfig>({ name: string, value: nullableString })),
    }),
  ),
  timeoutMs: int32,
  validateOnly: since(1, boolean, false),
});
