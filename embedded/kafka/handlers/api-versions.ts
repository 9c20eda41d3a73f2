import { ApiKey } from '../protocol/api-keys.js';
import { advertisedVersions } from '../protocol/api-versions/fallback.js';
import { defineHandler } from './handler.js';

/** ApiVersions v0–2 (v3+ never reaches a handler: the server answers it with the fallback). */
export const apiVersions = defineHandler(ApiKey.ApiVersions, () => advertisedVersions());
