import { array, bytes, int16, int32, nullableString, since, string, struct } from '../schema.js';

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}
export interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: JoinGroupMember[];
}

export const joinGroupResponse = struct<JoinGroupResponse>({
  throttleTimeMs: since(2, int32, 0),
  errorCode: int16,
  generationId: int32,
  protocolName: string,
  leader: string,
  memberId: string,
  members: array(
    struct<JoinGroupMember>({
      memberId: string,
      groupInstanceId: since(5, nullableString, null),
      metadata: bytes,
    }),
  ),
});
