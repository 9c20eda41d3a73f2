import { array, int16, int32, int64, nullableArray, records, since, string, struct } from '../schema.js';

/** Fetch response v4–11 (v4 LSO and aborted list, v5 log start, v7 session, v11 preferred replica). */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}
export interface FetchPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: AbortedTransaction[] | null;
  preferredReadReplica: number;
  records: Buffer | null;
}
export interface FetchTopicResponse {
  topic: string;
  partitions: FetchPartitionResponse[];
}
export interface FetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  sessionId: number;
  responses: FetchTopicResponse[];
}

export const fetchResponse = struct<FetchResponse>({
  throttleTimeMs: since(1, int32, 0),
  errorCode: since(7, int16, 0),
  sessionId: since(7, int32, 0),
  responses: array(
    struct<FetchTopicResponse>({
      topic: string,
      partitions: array(
        struct<FetchPartitionResponse>({
          partitionIndex: int32,
          errorCode: int16,
          highWatermark: int64,
          lastStableOffset: since(4, int64, -1),
          logStartOffset: since(5, int64, -1),
          abortedTransactions: since(
            4,
            nullableArray(struct<AbortedTransaction>({ producerId: int64, firstOffset: int64 })),
            null,
          ),
          preferredReadReplica: since(11, int32, -1),
          records,
        }),
      ),
    }),
  ),
});
