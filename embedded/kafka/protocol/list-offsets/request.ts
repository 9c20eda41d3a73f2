import { array, int32, int64, int8, only, since, string, struct } from '../schema.js';

/** ListOffsets v0–3: v0 asks for up to max_num_offsets offsets, v1+ for one, v2 adds isolation. */
export interface ListOffsetsPartition {
  partitionIndex: number;
  timestamp: number;
  maxNumOffsets: number;
}
export interface ListOffsetsTopic {
  name: string;
  partitions: ListOffsetsPartition[];
}
export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: ListOffsetsTopic[];
}

export const listOffsetsRequest = struct<ListOffsetsRequest>({
  replicaId: int32,
  isolationLevel: since(2, int8, 0),
  topics: array(
    struct<ListOffsetsTopic>({
      name: string,
      partitions: array(
        struct<ListOffsetsPartition>({
          partitionIndex: int32,
          timestamp: int64,
          maxNumOffsets: only(0, 0, int32, 1),
        }),
      ),
    }),
  ),
});
