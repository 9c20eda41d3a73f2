import { Type } from 'typebox';
import { ErrorBody } from '../errors.js';

/** Error responses every route documents (and serializes with). */
export const errorResponses = {
  '4xx': ErrorBody,
  '5xx': ErrorBody,
} as const;

/** Entity ids in paths: any non-empty string up to 512 characters (ids are opaque). */
export const EntityId = Type.String({ minLength: 1, maxLength: 512 });

export const FeatureVersion = Type.String({
  pattern: '^v[0-9]+[A-Za-z0-9_-]*$',
  description: 'a feature version such as v1 or v2-experiment; default: the active version',
});

/** Security requirement of guarded routes in the OpenAPI document. */
export const bearerSecurity = [{ bearer: [] }];
