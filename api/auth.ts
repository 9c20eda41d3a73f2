import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { ApiError } from './errors.js';

/**
 * Bearer-key access control. API_KEY guards every write, admin, training and SQL route; reads
 * are open unless API_READ_KEY is set, and then take either key (the write key is the admin key).
 * Keys are compared as SHA-256 digests with crypto.timingSafeEqual: equal lengths always, and
 * no early exit that would reveal how much of a guess was right.
 * 401 means no usable credentials were sent; 403 means a key was sent and it is not accepted here.
 */

export type AccessLevel = 'read' | 'write';

export interface AuthKeys {
  apiKey: string | undefined;
  apiReadKey: string | undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

const challenge = { 'www-authenticate': 'Bearer realm="recostream"' };

export interface Authenticator {
  /** Whether any key guards this level (for the OpenAPI security requirements). */
  guarded(level: AccessLevel): boolean;
  /** onRequest hook enforcing `level`; a no-op when no key guards it. */
  hook(level: AccessLevel): onRequestHookHandler;
}

export function createAuthenticator(keys: AuthKeys): Authenticator {
  const writeDigest = keys.apiKey ? digest(keys.apiKey) : null;
  const readDigest = keys.apiReadKey ? digest(keys.apiReadKey) : null;

  const accepted: Record<AccessLevel, Buffer[]> = {
    write: writeDigest ? [writeDigest] : [],
    read: readDigest ? [readDigest, ...(writeDigest ? [writeDigest] : [])] : [],
  };

  function matches(candidate: Buffer, allowed: readonly Buffer[]): boolean {
    let ok = false;
    // Compare against every allowed key, without short-circuiting, so the time taken does not
    // say which key (if any) matched.
    for (const key of allowed) ok = timingSafeEqual(candidate, key) || ok;
    return ok;
  }

  function check(level: AccessLevel, request: FastifyRequest): void {
    const allowed = accepted[level];
    if (allowed.length === 0) return;
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw new ApiError(
        401,
        'unauthorized',
        `this route requires an API key: send "Authorization: Bearer <${level === 'write' ? 'API_KEY' : 'API_READ_KEY or API_KEY'}>"`,
        'authorization',
        challenge,
      );
    }
    const match = BEARER.exec(header);
    if (!match) {
      throw new ApiError(
        401,
        'unauthorized',
        'the Authorization header must be "Bearer <key>"',
        'authorization',
        challenge,
      );
    }
    if (!matches(digest(match[1]!), allowed)) {
      throw new ApiError(
        403,
        'forbidden',
        level === 'write'
          ? 'the API key is not accepted for this route (writes, training, SQL and admin routes need API_KEY)'
          : 'the API key is not accepted',
        'authorization',
      );
    }
  }

  const hooks: Record<AccessLevel, onRequestHookHandler> = {
    read: (request: FastifyRequest, _reply: FastifyReply, done) => {
      try {
        check('read', request);
        done();
      } catch (err) {
        done(err as ApiError);
      }
    },
    write: (request: FastifyRequest, _reply: FastifyReply, done) => {
      try {
        check('write', request);
        done();
      } catch (err) {
        done(err as ApiError);
      }
    },
  };

  return {
    guarded: (level) => accepted[level].length > 0,
    hook: (level) => hooks[level],
  };
}
