import { array, int16, int32, nullableString, string, struct } from '../schema.js';

export interface CreatePartitionsTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}
export interface CreatePartitionsResponse {
  throttleTimeMs: number;
  results: CreatePartitionsTopicResult[];
}

export const createPartitionsResponse = struct<CreatePartitionsResponse>({
  throttleTimeMs: int32,
  results: array(
    struct<CreatePartitionsTopicResult>({ name: string, errorCode: int16, errorMessage: nullableString }),
  ),
});
