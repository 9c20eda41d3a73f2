import { array, int16, int32, int64, string, struct } from '../schema.js';

export interface DeleteRecordsPartitionResult {
  partitionIndex: number;
  lowWatermark: number;
  errorCode: number;
}
export interface DeleteRecordsTopicResult {
  name: string;
  partitions: DeleteRecordsPartitionResult[];
}
export interface DeleteRecordsResponse {
  throttleTimeMs: number;
  topics: DeleteRecordsTopicResult[];
}

export const deleteRecordsResponse = struct<DeleteRecordsResponse>({
  throttleTimeMs: int32,
  topics: array(
    struct<DeleteRecordsTopicResult>({
      name: string,
      partitions: array(
        struct<DeleteRecordsPartitionResult>({
          partitionIndex: int32,
          lowWatermark: int64,
          errorCode: int16,
        }),
      ),
    }),
  ),
});
