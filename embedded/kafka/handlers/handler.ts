import type { ApiKey } from '../protocol/api-keys.js';
import { MESSAGES, type RequestOf, type ResponseOf } from '../protocol/messages.js';
import type { Codec } from '../protocol/schema.js';
import type { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import type { BrokerState, RequestContext } from './broker-state.js';

/** Returned by a handler whose request gets no response (Produce with acks=0). */
export const NO_RESPONSE = Symbol('no response');

type Result<T> = T | typeof NO_RESPONSE;

export type HandlerFn<K extends ApiKey> = (
  req: RequestOf<K>,
  ctx: RequestContext,
  broker: BrokerState,
) => Result<ResponseOf<K>> | Promise<Result<ResponseOf<K>>>;

/** A handler with its codecs bound: request body in, response body (or nothing) out. */
export interface Handler {
  readonly key: ApiKey;
  handle(body: Reader, ctx: RequestContext, broker: BrokerState): Promise<Writer | null>;
}

export function defineHandler<K extends ApiKey>(key: K, fn: HandlerFn<K>): Handler {
  const codecs = MESSAGES[key] as unknown as { request: Codec<RequestOf<K>>; response: Codec<ResponseOf<K>> };
  return {
    key,
    async handle(body, ctx, broker) {
      const req = codecs.request.read(body, ctx.apiVersion);
      const res = await fn(req, ctx, broker);
      if (res === NO_RESPONSE) return null;
      const w = new Writer();
      codecs.response.write(w, res, ctx.apiVersion);
      return w;
    },
  };
}
