import { array, int16, int32, since, string, struct } from '../schema.js';

export interface OffsetCommitPartitionResponse {
  partitionIndex: number;
  errorCode: number;
}
export interface OffsetCommitTopicResponse {
  name: string;
  partitions: OffsetCommitPartitionResponse[];
}
export interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: OffsetCommitTopicResponse[];
}

export const offsetCommitResponse = struct<OffsetCommitResponse>({
  throttleTimeMs: since(3, int32, 0),
  topics: array(
    struct<OffsetCommitTopicResponse>({
      name: string,
      partitions: array(struct<OffsetCommitPartitionResponse>({ partitionIndex: int32, errorCode: int16 })),
    }),
  ),
});
