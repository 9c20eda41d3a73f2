import { array, int16, int32, since, struct } from '../schema.js';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}
export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: ApiVersionRange[];
  throttleTimeMs: number;
}

/** v1+ always carries throttle_time_ms (kafkajs fails to parse the response without it). */
export const apiVersionsResponse = struct<ApiVersionsResponse>({
  errorCode: int16,
  apiKeys: array(struct<ApiVersionRange>({ apiKey: int16, minVersion: int16, maxVersion: int16 })),
  throttleTimeMs: since(1, int32, 0),
});
