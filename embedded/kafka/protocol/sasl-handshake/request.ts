import { string, struct } from '../schema.js';

/** SaslHandshake v0–1. This broker has no SASL: it answers with the (empty) list it supports. */
export interface SaslHandshakeRequest {
  mechanism: string;
}

export const saslHandshakeRequest = struct<SaslHandshakeRequest>({ mechanism: string });
