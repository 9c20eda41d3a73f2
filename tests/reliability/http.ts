/** A small HTTP client for the reliability suite: status, headers and the parsed JSON body. */

export interface HttpReply {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
  text: string;
}

export interface HttpOptions {
  /** Sent as JSON (content-type application/json). */
  json?: unknown;
  /** Sent as it is, with `contentType` when given. */
  raw?: string | Buffer | FormData | ReadableStream<Uint8Array>;
  contentType?: string;
  /** `Authorization` header value, as sent. */
  authorization?: string;
  signal?: AbortSignal;
}

export async function http(
  base: string,
  method: string,
  path: string,
  o: HttpOptions = {},
): Promise<HttpReply> {
  const headers: Record<string, string> = {};
  if (o.authorization !== undefined) headers.authorization = o.authorization;
  let body: string | Buffer | FormData | ReadableStream<Uint8Array> | undefined;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  } else if (o.raw !== undefined) {
    body = o.raw;
    if (o.contentType) headers['content-type'] = o.contentType;
  }
  const init: RequestInit & { duplex?: 'half' } = { method, headers, body, signal: o.signal };
  // A streamed body (no content-length) needs half-duplex in Node's fetch.
  if (body instanceof ReadableStream) init.duplex = 'half';
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export const bearer = (key: string): string => `Bearer ${key}`;

/** `error` of an error body `{ error, field, reason }`, or undefined. */
export function errorCode(reply: HttpReply): string | undefined {
  const body = reply.body as { error?: unknown } | null;
  return body && typeof body === 'object' && typeof body.error === 'string' ? body.error : undefined;
}
