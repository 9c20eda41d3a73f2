import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by its SHA (EVALSHA), loaded with EVAL the first time a server does not know
 * it (after a start or SCRIPT FLUSH). Replies come back as Buffers: scripts here return binary
 * hash fields.
 *
 * The named commands (evalshaBuffer, evalBuffer) go through ioredis' auto-pipelining, so the
 * scripts of many concurrent lookups leave in one write. callBuffer('EVALSHA', ...) does not: on
 * an auto-pipelining client it sends the SHA as the command name.
 */
/** ioredis defines a Buffer-replying twin of every command at run time; its typings leave these out. */
interface BufferScripting {
  evalshaBuffer(sha: string, numKeys: number, ...args: (string | number | Buffer)[]): Promise<unknown>;
  evalBuffer(source: string, numKeys: number, ...args: (string | number | Buffer)[]): Promise<unknown>;
}

export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async runBuffer(
    redis: Redis,
    keys: readonly string[],
    args: readonly (string | number | Buffer)[],
  ): Promise<unknown> {
    const client = redis as unknown as BufferScripting;
    try {
      return await client.evalshaBuffer(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.evalBuffer(this.source, keys.length, ...keys, ...args);
    }
  }
}
