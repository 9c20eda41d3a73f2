import { array, int16, string, struct } from '../schema.js';

export interface SaslHandshakeResponse {
  errorCode: number;
  mechanisms: string[];
}

export const saslHandshakeResponse = struct<SaslHandshakeResponse>({
  errorCode: int16,
  mechanisms: array(string),
});
