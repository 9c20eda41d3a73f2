import { array, int32, nullableArraySince, string, struct } from '../schema.js';

/** OffsetFetch v0–5: from v2 a null topic list asks for every committed offset of the group. */
export interface OffsetFetchTopic {
  name: string;
  partitionIndexes: number[];
}
export interface OffsetFetchRequest {
  groupId: string;
  topics: OffsetFetchTopic[] | null;
}

export const offsetFetchRequest = struct<OffsetFetchRequest>({
  groupId: string,
  topics: nullableArraySince(2, struct<OffsetFetchTopic>({ name: string, partitionIndexes: array(int32) })),
});
