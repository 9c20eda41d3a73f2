import { int16, int32, since, struct } from '../schema.js';

export interface HeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
}

export const heartbeatResponse = struct<HeartbeatResponse>({
  throttleTimeMs: since(1, int32, 0),
  errorCode: int16,
});
