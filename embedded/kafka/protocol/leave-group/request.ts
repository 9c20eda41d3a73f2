import { array, nullableString, since, string, struct, upTo } from '../schema.js';

/** LeaveGroup v0–3: one member id up to v2, a batch of members (with instance ids) from v3. */
export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
}
export interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: LeavingMember[];
}

export const leaveGroupRequest = struct<LeaveGroupRequest>({
  groupId: string,
  memberId: upTo(2, string, ''),
  members: since(3, array(struct<LeavingMember>({ memberId: string, groupInstanceId: nullableString })), []),
});

/** The members a request removes, whatever its version. */
export function leavingMembers(req: LeaveGroupRequest, version: number): LeavingMember[] {
  return version >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
}
