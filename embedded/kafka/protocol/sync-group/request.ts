import { array, bytes, int32, nullableString, since, string, struct } from '../schema.js';

/** SyncGroup v0–3 (v3 adds the group instance id). Only the leader sends assignments. */
export interface SyncGroupAssignment {
  memberId: string;
  assignment: Buffer;
}
export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  assignments: SyncGroupAssignment[];
}

export const syncGroupRequest = struct<SyncGroupRequest>({
  groupId: string,
  generationId: int32,
  memberId: string,
  groupInstanceId: since(3, nullableString, null),
  assignments: array(struct<SyncGroupAssignment>({ memberId: string, assignment: bytes })),
});
