import { array, int16, int32, int8, nullableString, string, struct } from '../schema.js';

export interface AlterConfigsResourceResponse {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}
export interface AlterConfigsResponse {
  throttleTimeMs: number;
  responses: AlterConfigsResourceResponse[];
}

export const alterConfigsResponse = struct<AlterConfigsResponse>({
  throttleTimeMs: int32,
  responses: array(
    struct<AlterConfigsResourceResponse>({
      errorCode: int16,
      errorMessage: nullableString,
      resourceType: int8,
      resourceName: string,
    }),
  ),
});
