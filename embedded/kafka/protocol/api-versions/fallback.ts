import { ADVERTISED_APIS, ApiKey } from '../api-keys.js';
import { ErrorCode } from '../error-codes.js';
import type { ApiVersionsResponse } from './response.js';

/** ApiVersions v0–2 answer: every advertised API. */
export function advertisedVersions(): ApiVersionsResponse {
  return {
    errorCode: ErrorCode.NONE,
    apiKeys: ADVERTISED_APIS.map((a) => ({
      apiKey: a.key,
      minVersion: a.minVersion,
      maxVersion: a.maxVersion,
    })),
    throttleTimeMs: 0,
  };
}

/**
 * KIP-511 fallback for an ApiVersions version above our maximum (librdkafka sends v3 first):
 * answered with response header v0 and a v0 body, error UNSUPPORTED_VERSION and only our own
 * ApiVersions range, as Apache Kafka does. The client retries with a version we speak on the
 * same connection, which therefore stays open.
 */
export function unsupportedVersionFallback(): ApiVersionsResponse {
  const own = ADVERTISED_APIS.find((a) => a.key === ApiKey.ApiVersions)!;
  return {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: [{ apiKey: own.key, minVersion: own.minVersion, maxVersion: own.maxVersion }],
    throttleTimeMs: 0,
  };
}
