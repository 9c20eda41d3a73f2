import { struct } from '../schema.js';

/**
 * ApiVersions v0–2: an empty body. v3+ (flexible, sent first by librdkafka) is never decoded:
 * the server answers it with the v0 fallback of KIP-511 (see fallbackResponse).
 */
export type ApiVersionsRequest = Record<string, never>;

export const apiVersionsRequest = struct<ApiVersionsRequest>({});
