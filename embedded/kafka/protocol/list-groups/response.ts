import { array, int16, int32, since, string, struct } from '../schema.js';

export interface ListedGroup {
  groupId: string;
  protocolType: string;
}
export interface ListGroupsResponse {
  throttleTimeMs: number;
  errorCode: number;
  groups: ListedGroup[];
}

export const listGroupsResponse = struct<ListGroupsResponse>({
  throttleTimeMs: since(1, int32, 0),
  errorCode: int16,
  groups: array(struct<ListedGroup>({ groupId: string, protocolType: string })),
});
