// Embedded-only: the subject is embedded/redis/launcher.ts itself (spawning redis-server, AOF
// across a SIGKILL, the message when the binary is missing); containers mode has no launcher.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisNotInstalledError, launchRedis } from '../../embedded/redis/launcher.js';
import { silentLogger } from '../../lib/logger.js';

describe('redis-server launcher', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps acknowledged writes across a SIGKILL with AOF on', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rs-redis-'));
    dirs.push(dataDir);
    const first = await launchRedis({ dataDir, logger: silentLogger });
    const client = new Redis(first.url);
    await client.set('k', 'v1');
    await client.hset('h', { a: '1', b: '2' });
    // appendfsync everysec: wait past one fsync interval before the hard kill.
    await new Promise((r) => setTimeout(r, 1500));
    client.disconnect();
    await first.kill();

    const second = await launchRedis({ dataDir, logger: silentLogger, port: first.port });
    const again = new Redis(second.url);
    expect(await again.get('k')).toBe('v1');
    expect(await again.hgetall('h')).toEqual({ a: '1', b: '2' });
    again.disconnect();
    await second.stop();
    expect(second.process.exitCode).toBe(0);
  });

  it('says how to install redis-server when the binary is missing', async () => {
    await expect(
      launchRedis({ dataDir: os.tmpdir(), logger: silentLogger, binary: '/nonexistent/redis-server' }),
    ).rejects.toThrow(RedisNotInstalledError);
    await expect(
      launchRedis({ dataDir: os.tmpdir(), logger: silentLogger, binary: '/nonexistent/redis-server' }),
    ).rejects.toThrow(/apt-get install -y redis-server/);
  });
});
