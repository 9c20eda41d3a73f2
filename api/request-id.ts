import { randomBytes } from 'node:crypto';

/** A client-sent request id is kept when it is short and plain (it ends up in logs and headers). */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's `genReqId`: the client's `x-request-id` when it is plain, otherwise
 * `<process prefix>-<counter>`. The prefix is random per generator, so ids stay unique across the
 * workers of `recostream api --workers`, across restarts and across replicas; the counter costs a
 * fraction of a random UUID per request, which a feature lookup (tens of microseconds) notices.
 */
export function requestIdGenerator(): (request: {
  headers: Record<string, string | string[] | undefined>;
}) => string {
  const prefix = randomBytes(6).toString('hex');
  let counter = 0;
  return (request) => {
    const given = request.headers['x-request-id'];
    if (typeof given === 'string' && CLIENT_ID.test(given)) return given;
    counter++;
    return `${prefix}-${counter.toString(36)}`;
  };
}
