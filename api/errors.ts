import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { Type, type Static } from 'typebox';

/**
 * Every error the API answers has one shape: a short stable code, the field it concerns (null
 * when none), and a sentence saying what is wrong. Client mistakes are 4xx with that field and
 * reason; a 5xx names the request id to look up in the log and never carries a stack trace.
 */

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'stable code, e.g. validation_failed, not_found, unauthorized' }),
    field: Type.Union([Type.String(), Type.Null()], { description: 'the offending field, when one' }),
    reason: Type.String({ description: 'what is wrong, in a sentence' }),
  },
  { additionalProperties: true },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** A refusal a handler decides on: status, code, reason and the field it concerns. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly reason: string,
    readonly field: string | null = null,
    readonly headers: Record<string, string> = {},
    /** More fields for the body (e.g. the SQL error kind). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(reason);
    this.name = 'ApiError';
  }
}

export function errorBody(code: string, reason: string, field: string | null = null): ErrorBody {
  return { error: code, field, reason };
}

const SHAPE_KEYWORDS = new Set(['type', 'anyOf', 'oneOf']);

/** `/users/3/name` -> `users[3].name`; the location (body, querystring, ...) prefixes nothing. */
function dottedPath(instancePath: string): string {
  let out = '';
  for (const part of instancePath.split('/').slice(1)) {
    const segment = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** ajv's first error as a field and a sentence that names it. */
export function describeValidationError(
  errors: readonly FastifySchemaValidationError[],
  location: string,
): { field: string; reason: string } {
  // With anyOf, ajv lists each branch's failure, then the anyOf itself; a branch's specific
  // complaint (too many items, a missing field) says more than "wrong type".
  const first = errors.find((e) => !SHAPE_KEYWORDS.has(e.keyword)) ?? errors[0];
  if (!first) return { field: location, reason: `invalid ${location}` };
  const params = first.params as Record<string, unknown>;
  let field = dottedPath(first.instancePath);
  if (typeof params.missingProperty === 'string') {
    field = field === '' ? params.missingProperty : `${field}.${params.missingProperty}`;
  } else if (typeof params.additionalProperty === 'string') {
    field = field === '' ? params.additionalProperty : `${field}.${params.additionalProperty}`;
  }
  const where = field === '' ? location : field;
  let reason: string;
  switch (first.keyword) {
    case 'required':
      reason = `${where} is required`;
      break;
    case 'additionalProperties':
      reason = `${where} is not a known field`;
      break;
    case 'enum':
      reason = `${where} must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
      break;
    case 'type':
    case 'anyOf':
    case 'oneOf': {
      const types = errors
        .filter((e) => e.keyword === 'type' && e.instancePath === first.instancePath)
        .map((e) => String((e.params as { type?: unknown }).type));
      reason = `${where} must be ${types.length > 0 ? types.join(' or ') : 'of an accepted shape'}`;
      break;
    }
    default:
      reason = `${where} ${first.message ?? 'is invalid'}`;
  }
  return { field: field === '' ? location : field, reason };
}

interface ClientErrorMapping {
  status: number;
  code: string;
  field: string | null;
  reason: (err: FastifyError) => string;
}

/** Fastify's and its plugins' own client errors, reworded. */
const CLIENT_ERRORS: Record<string, ClientErrorMapping> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    field: 'body',
    reason: () => 'the request body is larger than this route accepts',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'malformed_body',
    field: 'body',
    reason: () => 'the request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'malformed_body',
    field: 'body',
    reason: () => 'the request body is empty but its content type is application/json',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    field: 'content-type',
    reason: () => 'this content type is not accepted here (send application/json)',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'malformed_body',
    field: 'content-length',
    reason: () => 'the content-length header does not match the body',
  },
  FST_REQ_FILE_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    field: 'file',
    reason: () => 'the uploaded file is larger than the upload limit',
  },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    field: 'content-type',
    reason: () => 'uploads are multipart/form-data with one file part',
  },
  FST_PARTS_LIMIT: {
    status: 413,
    code: 'payload_too_large',
    field: 'body',
    reason: () => 'too many parts in the multipart body',
  },
  FST_FILES_LIMIT: {
    status: 413,
    code: 'payload_too_large',
    field: 'file',
    reason: () => 'send one file per upload',
  },
  FST_FIELDS_LIMIT: {
    status: 413,
    code: 'payload_too_large',
    field: 'body',
    reason: () => 'too many form fields in the multipart body',
  },
  FST_PROTO_VIOLATION: {
    status: 400,
    code: 'malformed_body',
    field: 'body',
    reason: (err) => err.message,
  },
};

/**
 * The error handler: validation errors -> 400 with the field; known client errors -> their 4xx;
 * ApiError -> as decided; anything else -> 500 with the request id, the details only in the log.
 */
export function handleError(
  err: FastifyError | ApiError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (err instanceof ApiError) {
    void reply
      .code(err.statusCode)
      .headers(err.headers)
      .send({ ...errorBody(err.code, err.reason, err.field), ...err.extra });
    return;
  }
  if (err.validation) {
    const { field, reason } = describeValidationError(err.validation, err.validationContext ?? 'request');
    void reply.code(400).send(errorBody('validation_failed', reason, field));
    return;
  }
  const known = err.code ? CLIENT_ERRORS[err.code] : undefined;
  if (known) {
    void reply.code(known.status).send(errorBody(known.code, known.reason(err), known.field));
    return;
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // A plugin's client error we do not map by code (rate limit, multipart, ...): its message
    // is written for clients.
    const code = status === 429 ? 'rate_limited' : status === 404 ? 'not_found' : 'bad_request';
    void reply.code(status).send(errorBody(code, err.message, null));
    return;
  }
  request.log.error({ err }, 'request failed');
  void reply
    .code(status >= 500 && status < 600 ? status : 500)
    .send(
      errorBody(
        'internal_error',
        `the server could not complete the request; its log has request id ${request.id}`,
      ),
    );
}
