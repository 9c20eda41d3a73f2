import helmet from '@fastify/helmet';
import Fastify, { type onRequestHookHandler } from 'fastify';

/**
 * Security headers (helmet's defaults: CSP, HSTS, nosniff, frame options, ...) for every response.
 * @fastify/helmet builds helmet's middleware — parsing the CSP directives — on every request, a
 * visible share of a feature lookup's cost. The header set does not depend on the request, so it
 * is computed once, by @fastify/helmet itself on a private instance, and set by one hook.
 */
export async function securityHeaders(): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(helmet, { global: true });
  probe.get('/', async () => '');
  const response = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (HTTP_OWN.has(name) || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

/** Headers that belong to the probe's own response, not to helmet. */
const HTTP_OWN = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/** Sets the security headers and echoes the request id (`x-request-id`) on every response. */
export function responseHeadersHook(headers: Record<string, string>): onRequestHookHandler {
  const entries = Object.entries(headers);
  return (request, reply, done) => {
    for (let i = 0; i < entries.length; i++) reply.header(entries[i]![0], entries[i]![1]);
    reply.header('x-request-id', request.id);
    done();
  };
}
