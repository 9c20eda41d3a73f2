import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerBase,
} from 'fastify';
import { ApiError } from './errors.js';

/**
 * JSON bodies nested deeper than MAX_JSON_DEPTH are refused with 400 before they are parsed.
 * V8's JSON.parse takes any depth, but JSON.stringify and every recursive walk over the value do
 * not: a 5,000-deep array posted to /v1/events parsed fine and then overflowed the stack when its
 * dead letter was serialised (a 500). No body the API takes needs more than a few levels.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `text` opens more than `max` arrays/objects at once (brackets inside strings ignored). */
export function jsonNestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** Replaces the application/json parser with Fastify's own, behind the depth check. */
export function guardJsonDepth<
  S extends RawServerBase,
  L extends FastifyBaseLogger,
  P extends FastifyTypeProvider,
>(
  app: FastifyInstance<S, RawRequestDefaultExpression<S>, RawReplyDefaultExpression<S>, L, P>,
  max = MAX_JSON_DEPTH,
): void {
  // Fastify's default parser, with its defaults: __proto__ and constructor.prototype keys refused.
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonNestingExceeds(text, max)) {
      done(
        new ApiError(400, 'malformed_body', `the JSON body is nested deeper than ${max} levels`, 'body'),
        undefined,
      );
      return;
    }
    // The default parser reads nothing of the request that depends on the server's type parameters.
    parse(request as unknown as Parameters<typeof parse>[0], text, done);
  });
}
