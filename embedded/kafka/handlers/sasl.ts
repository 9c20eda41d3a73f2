import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { defineHandler } from './handler.js';

/** This broker has no authentication: every SASL mechanism is unsupported. */
export const saslHandshake = defineHandler(ApiKey.SaslHandshake, () => ({
  errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
  mechanisms: [],
}));

export const saslAuthenticate = defineHandler(ApiKey.SaslAuthenticate, () => ({
  errorCode: ErrorCode.ILLEGAL_SASL_STATE,
  errorMessage: 'SASL is not enabled on this broker',
  authBytes: Buffer.alloc(0),
  sessionLifetimeMs: 0,
}));
