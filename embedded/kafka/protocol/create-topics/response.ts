import { array, int16, int32, nullableString, since, string, struct } from '../schema.js';

export interface CreatableTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}
export interface CreateTopicsResponse {
  throttleTimeMs: number;
  topics: CreatableTopicResult[];
}

export const createTopicsResponse = struct<CreateTopicsResponse>({
  throttleTimeMs: since(2, int32, 0),
  topics: array(
    struct<CreatableTopicResult>({
      name: string,
      errorCode: int16,
      errorMessage: since(1, nullableString, null),
    }),
  ),
});
