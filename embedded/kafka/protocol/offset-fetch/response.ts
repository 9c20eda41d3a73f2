import { array, int16, int32, int64, nullableString, since, string, struct } from '../schema.js';

/** OffsetFetch response v0–5: v2 adds a top-level error, v3 throttle, v5 the leader epoch. */
export interface OffsetFetchPartitionResponse {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}
export interface OffsetFetchTopicResponse {
  name: string;
  partitions: OffsetFetchPartitionResponse[];
}
export interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: OffsetFetchTopicResponse[];
  errorCode: number;
}

export const offsetFetchResponse = struct<OffsetFetchResponse>({
  throttleTimeMs: since(3, int32, 0),
  topics: array(
    struct<OffsetFetchTopicResponse>({
      name: string,
      partitions: array(
        struct<OffsetFetchPartitionResponse>({
          partitionIndex: int32,
          committedOffset: int64,
          committedLeaderEpoch: since(5, int32, -1),
          metadata: nullableString,
          errorCode: int16,
        }),
      ),
    }),
  ),
  errorCode: since(2, int16, 0),
});
