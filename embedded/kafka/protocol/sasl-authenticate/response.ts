import { bytes, int16, int64, nullableString, since, struct } from '../schema.js';

export interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: number;
}

export const saslAuthenticateResponse = struct<SaslAuthenticateResponse>({
  errorCode: int16,
  errorMessage: nullableString,
  authBytes: bytes,
  sessionLifetimeMs: since(1, int64, 0),
});
