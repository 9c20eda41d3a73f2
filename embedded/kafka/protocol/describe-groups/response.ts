import { array, bytes, int16, int32, nullableString, since, string, struct } from '../schema.js';

/** Kafka's "operations not requested" marker for authorized_operations. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}
export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
  authorizedOperations: number;
}
export interface DescribeGroupsResponse {
  throttleTimeMs: number;
  groups: DescribedGroup[];
}

export const describeGroupsResponse = struct<DescribeGroupsResponse>({
  throttleTimeMs: since(1, int32, 0),
  groups: array(
    struct<DescribedGroup>({
      errorCode: int16,
      groupId: string,
      groupState: string,
      protocolType: string,
      protocolData: string,
      members: array(
        struct<DescribedGroupMember>({
          memberId: string,
          groupInstanceId: since(4, nullableString, null),
          clientId: string,
          clientHost: string,
          memberMetadata: bytes,
          memberAssignment: bytes,
        }),
      ),
      authorizedOperations: since(3, int32, AUTHORIZED_OPERATIONS_OMITTED),
    }),
  ),
});
