import { array, int32, int64, int8, since, string, struct } from '../schema.js';

/**
 * Fetch v4–11. v5 adds log_start_offset, v7 fetch sessions (session id/epoch, forgotten
 * topics), v9 current_leader_epoch, v11 rack_id.
 */
export interface FetchPartition {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: number;
  logStartOffset: number;
  partitionMaxBytes: number;
}
export interface FetchTopic {
  topic: string;
  partitions: FetchPartition[];
}
export interface ForgottenTopic {
  topic: string;
  partitions: number[];
}
export interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: FetchTopic[];
  forgottenTopicsData: ForgottenTopic[];
  rackId: string;
}

export const fetchRequest = struct<FetchRequest>({
  replicaId: int32,
  maxWaitMs: int32,
  minBytes: int32,
  maxBytes: since(3, int32, 0x7fffffff),
  isolationLevel: since(4, int8, 0),
  sessionId: since(7, int32, 0),
  sessionEpoch: since(7, int32, -1),
  topics: array(
    struct<FetchTopic>({
      topic: string,
      partitions: array(
        struct<FetchPartition>({
          partition: int32,
          currentLeaderEpoch: since(9, int32, -1),
          fetchOffset: int64,
          logStartOffset: since(5, int64, -1),
          partitionMaxBytes: int32,
        }),
      ),
    }),
  ),
  forgottenTopicsData: since(
    7,
    array(struct<ForgottenTopic>({ topic: string, partitions: array(int32) })),
    [],
  ),
  rackId: since(11, string, ''),
});
