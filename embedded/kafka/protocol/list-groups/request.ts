import { struct } from '../schema.js';

/** ListGroups v0–2: an empty body (state filters arrive only in flexible v4). */
export type ListGroupsRequest = Record<string, never>;

export const listGroupsRequest = struct<ListGroupsRequest>({});
