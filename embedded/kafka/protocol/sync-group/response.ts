import { bytes, int16, int32, since, struct } from '../schema.js';

/** The assignment is always written, zero-length when the member got none. */
export interface SyncGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  assignment: Buffer;
}

export const syncGroupResponse = struct<SyncGroupResponse>({
  throttleTimeMs: since(1, int32, 0),
  errorCode: int16,
  assignment: bytes,
});
