import { bytes, struct } from '../schema.js';

/** SaslAuthenticate v0–1. */
export interface SaslAuthenticateRequest {
  authBytes: Buffer;
}

export const saslAuthenticateRequest = struct<SaslAuthenticateRequest>({ authBytes: bytes });
