import { array, int32, int64, nullableString, only, since, string, struct } from '../schema.js';

/**
 * OffsetCommit v0–7: v1 adds generation/member and a per-partition commit timestamp (v1 only),
 * v2–4 a retention time, v6 the leader epoch, v7 the group instance id.
 */
export interface OffsetCommitPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  commitTimestamp: number;
  committedMetadata: string | null;
}
export interface OffsetCommitTopic {
  name: string;
  partitions: OffsetCommitPartition[];
}
export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  retentionTimeMs: number;
  topics: OffsetCommitTopic[];
}

export const offsetCommitRequest = struct<OffsetCommitRequest>({
  groupId: string,
  generationId: since(1, int32, -1),
  memberId: since(1, string, ''),
  groupInstanceId: since(7, nullableString, null),
  retentionTimeMs: only(2, 4, int64, -1),
  topics: array(
    struct<OffsetCommitTopic>({
      name: string,
      partitions: array(
        struct<OffsetCommitPartition>({
          partitionIndex: int32,
          committedOffset: int64,
          committedLeaderEpoch: since(6, int32, -1),
          commitTimestamp: only(1, 1, int64, -1),
          committedMetadata: nullableString,
        }),
      ),
    }),
  ),
});
