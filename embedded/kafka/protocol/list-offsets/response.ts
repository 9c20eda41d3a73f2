import { array, int16, int32, int64, only, since, string, struct } from '../schema.js';

export interface ListOffsetsPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  /** v0 only: the offsets found, newest first. */
  oldStyleOffsets: number[];
  timestamp: number;
  offset: number;
}
export interface ListOffsetsTopicResponse {
  name: string;
  partitions: ListOffsetsPartitionResponse[];
}
export interface ListOffsetsResponse {
  throttleTimeMs: number;
  topics: ListOffsetsTopicResponse[];
}

export const listOffsetsResponse = struct<ListOffsetsResponse>({
  throttleTimeMs: since(2, int32, 0),
  topics: array(
    struct<ListOffsetsTopicResponse>({
      name: string,
      partitions: array(
        struct<ListOffsetsPartitionResponse>({
          partitionIndex: int32,
          errorCode: int16,
          oldStyleOffsets: only(0, 0, array(int64), []),
          timestamp: since(1, int64, -1),
          offset: since(1, int64, -1),
        }),
      ),
    }),
  ),
});
