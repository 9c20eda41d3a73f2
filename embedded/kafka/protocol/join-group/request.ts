import { array, bytes, int32, nullableString, since, string, struct } from '../schema.js';

/** JoinGroup v0–5: v1 adds the rebalance timeout, v5 the group instance id (static membership). */
export interface JoinGroupProtocol {
  name: string;
  metadata: Buffer;
}
export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: JoinGroupProtocol[];
}

export const joinGroupRequest = struct<JoinGroupRequest>({
  groupId: string,
  sessionTimeoutMs: int32,
  rebalanceTimeoutMs: since(1, int32, -1),
  memberId: string,
  groupInstanceId: since(5, nullableString, null),
  protocolType: string,
  protocols: array(struct<JoinGroupProtocol>({ name: string, metadata: bytes })),
});
