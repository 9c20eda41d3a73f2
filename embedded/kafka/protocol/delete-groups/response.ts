import { array, int16, int32, string, struct } from '../schema.js';

export interface DeletableGroupResult {
  groupId: string;
  errorCode: number;
}
export interface DeleteGroupsResponse {
  throttleTimeMs: number;
  results: DeletableGroupResult[];
}

export const deleteGroupsResponse = struct<DeleteGroupsResponse>({
  throttleTimeMs: int32,
  results: array(struct<DeletableGroupResult>({ groupId: string, errorCode: int16 })),
});
