import { array, int32, string, struct } from '../schema.js';

/** DeleteTopics v0–3. */
export interface DeleteTopicsRequest {
  topicNames: string[];
  timeoutMs: number;
}

export const deleteTopicsRequest = struct<DeleteTopicsRequest>({
  topicNames: array(string),
  timeoutMs: int32,
});
