import { array, int32, int64, string, struct } from '../schema.js';

/** DeleteRecords v0–1: move each partition's log start offset up to `offset` (-1 = high watermark). */
export interface DeleteRecordsPartition {
  partitionIndex: number;
  offset: number;
}
export interface DeleteRecordsTopic {
  name: string;
  partitions: DeleteRecordsPartition[];
}
export interface DeleteRecordsRequest {
  topics: DeleteRecordsTopic[];
  timeoutMs: number;
}

export const deleteRecordsRequest = struct<DeleteRecordsRequest>({
  topics: array(
    struct<DeleteRecordsTopic>({
      name: string,
      partitions: array(struct<DeleteRecordsPartition>({ partitionIndex: int32, offset: int64 })),
    }),
  ),
  timeoutMs: int32,
});
