import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Logger } from './logger.js';

/** Thrown when the embedded chDB data directory is already owned by another live process. */
export class ChdbOwnedError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(
      `the embedded ClickHouse (chDB) in ${dir} is owned by process ${ownerPid}; chDB runs inside one process. ` +
        `Run this command in that process (e.g. \`recostream up\` serves SQL at POST /v1/sql), stop it first, ` +
        `or set CLICKHOUSE_URL to a ClickHouse server that any number of processes can share.`,
    );
    this.name = 'ChdbOwnedError';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * chDB binds one data directory to one process. A lock file with the owner's pid makes a second
 * process fail fast with a message instead of corrupting the directory or blocking; a stale lock
 * (its process is gone, e.g. after kill -9) is taken over.
 */
function claimChdbDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'recostream.owner.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lock, 'utf8').trim());
      if (owner === process.pid) return () => rmSync(lock, { force: true });
      if (Number.isInteger(owner) && owner > 0 && pidAlive(owner)) throw new ChdbOwnedError(dir, owner);
      rmSync(lock, { force: true });
    }
  }
  throw new Error(`could not claim the chDB directory ${dir}`);
}

export interface ClickHouseHandle {
  client: ClickHouseClient;
  /** 'server' for CLICKHOUSE_URL, 'chdb' for the embedded engine. */
  mode: 'server' | 'chdb';
  close(): Promise<void>;
}

/**
 * The one way recostream gets a ClickHouse client: the server at `url` when set, else chDB in
 * `chdbDir` plugged into the same @clickhouse/client API (callers cannot tell the difference).
 */
export async function openClickHouse(opts: {
  url?: string;
  chdbDir: string;
  logger: Logger;
}): Promise<ClickHouseHandle> {
  const log = opts.logger.child({ part: 'clickhouse' });
  if (opts.url) {
    const client = createClient({ url: opts.url, request_timeout: 60_000 });
    log.info({ url: opts.url }, 'using ClickHouse server');
    return { client, mode: 'server', close: () => client.close() };
  }
  const release = claimChdbDir(opts.chdbDir);
  try {
    const { createChdbConnection } = await import('chdb/connection');
    const client = createClient({ connection: createChdbConnection({ path: opts.chdbDir }) } as Parameters<
      typeof createClient
    >[0]);
    log.info({ dir: opts.chdbDir }, 'using embedded ClickHouse (chDB)');
    return {
      client,
      mode: 'chdb',
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
