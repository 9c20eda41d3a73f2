import { int32, nullableString, since, string, struct } from '../schema.js';

/** Heartbeat v0–3 (v3 adds the group instance id). */
export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export const heartbeatRequest = struct<HeartbeatRequest>({
  groupId: string,
  generationId: int32,
  memberId: string,
  groupInstanceId: since(3, nullableString, null),
});
