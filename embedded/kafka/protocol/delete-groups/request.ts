import { array, string, struct } from '../schema.js';

/** DeleteGroups v0–1. */
export interface DeleteGroupsRequest {
  groupsNames: string[];
}

export const deleteGroupsRequest = struct<DeleteGroupsRequest>({ groupsNames: array(string) });
