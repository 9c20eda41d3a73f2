import { array, int16, int32, nullableString, since, string, struct } from '../schema.js';

export interface LeaveGroupMemberResponse {
  memberId: string;
  groupInstanceId: string | null;
  errorCode: number;
}
export interface LeaveGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  members: LeaveGroupMemberResponse[];
}

export const leaveGroupResponse = struct<LeaveGroupResponse>({
  throttleTimeMs: since(1, int32, 0),
  errorCode: int16,
  members: since(
    3,
    array(
      struct<LeaveGroupMemberResponse>({
        memberId: string,
        groupInstanceId: nullableString,
        errorCode: int16,
      }),
    ),
    [],
  ),
});
