import { array, boolean, int32, nullableArray, string, struct } from '../schema.js';

/** CreatePartitions v0–1: grow a topic to `count` partitions. */
export interface CreatePartitionsAssignment {
  brokerIds: number[];
}
export interface CreatePartitionsTopic {
  name: string;
  count: number;
  assignments: CreatePartitionsAssignment[] | null;
}
export interface CreatePartitionsRequest {
  topics: CreatePartitionsTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const createPartitionsRequest = struct<CreatePartitionsRequest>({
  topics: array(
    struct<CreatePartitionsTopic>({
      name: string,
      count: int32,
      assignments: nullableArray(struct<CreatePartitionsAssignment>({ brokerIds: array(int32) })),
    }),
  ),
  timeoutMs: int32,
  validateOnly: boolean,
});
