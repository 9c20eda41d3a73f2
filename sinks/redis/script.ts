import { createHash } from 'node:crypto';
import { Command, type Redis } from 'ioredis';

/**
 * A Lua script run by its SHA (EVALSHA), loaded with EVAL the first time a server does not know
 * it (after a start or SCRIPT FLUSH). Replies come back as Buffers: scripts here return binary
 * hash fields.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async runBuffer(
    redis: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    // sendCommand rather than callBuffer: with auto-pipelining on, ioredis' call() takes the
    // first argument for the command name.
    const send = (name: string, first: string) =>
      redis.sendCommand(new Command(name, [first, keys.length, ...keys, ...args], { replyEncoding: null }));
    try {
      return await send('evalsha', this.sha);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return send('eval', this.source);
    }
  }
}
