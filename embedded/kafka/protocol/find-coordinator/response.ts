import { int16, int32, nullableString, since, string, struct } from '../schema.js';

export interface FindCoordinatorResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export const findCoordinatorResponse = struct<FindCoordinatorResponse>({
  throttleTimeMs: since(1, int32, 0),
  errorCode: int16,
  errorMessage: since(1, nullableString, null),
  nodeId: int32,
  host: string,
  port: int32,
});
