import { array, boolean, since, string, struct } from '../schema.js';

/** DescribeGroups v0–4 (v3 asks for authorized operations). */
export interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

export const describeGroupsRequest = struct<DescribeGroupsRequest>({
  groups: array(string),
  includeAuthorizedOperations: since(3, boolean, false),
});
