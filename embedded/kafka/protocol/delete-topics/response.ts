import { array, int16, int32, since, string, struct } from '../schema.js';

export interface DeletableTopicResult {
  name: string;
  errorCode: number;
}
export interface DeleteTopicsResponse {
  throttleTimeMs: number;
  responses: DeletableTopicResult[];
}

export const deleteTopicsResponse = struct<DeleteTopicsResponse>({
  throttleTimeMs: since(1, int32, 0),
  responses: array(struct<DeletableTopicResult>({ name: string, errorCode: int16 })),
});
