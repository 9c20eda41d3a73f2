import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../../lib/logger.js';

/** redis-server is not installed: say how to get it rather than failing with ENOENT. */
export class RedisNotInstalledError extends Error {
  constructor(binary: string) {
    super(
      `redis-server was not found (looked for "${binary}"). Install it — Debian/Ubuntu: ` +
        '`sudo apt-get install -y redis-server`; macOS: `brew install redis` — or set REDIS_URL to a Redis 6.2+ server.',
    );
    this.name = 'RedisNotInstalledError';
  }
}

export interface RedisLaunchOptions {
  /** Directory for the AOF/RDB files; created when missing. */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** AOF with fsync every second (the default) keeps every acknowledged write across a crash. */
  appendOnly?: boolean;
  binary?: string;
  /**
   * Run redis-server in a process group of its own, so that a Ctrl-C in the terminal (sent to the
   * whole foreground group) reaches only the parent, which then stops redis-server last, after
   * the parts that write to it (`recostream up`). Default false.
   */
  ownProcessGroup?: boolean;
  logger: Logger;
}

export interface RedisServerHandle {
  url: string;
  port: number;
  pid: number;
  /** SHUTDOWN (flushing the AOF) and wait for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL, for fault tests. */
  kill(): Promise<void>;
  readonly process: ChildProcess;
}

/**
 * `count` distinct free ports. The listeners stay open until all are taken: ports asked for one
 * at a time may come back equal, once the previous listener has closed.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      srv.unref();
      servers.push(srv);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          srv.on('error', reject);
          srv.listen(0, host, () => resolve((srv.address() as net.AddressInfo).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  }
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function redisBinaryExists(binary: string): boolean {
  const r = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return !r.error;
}

function waitForPort(host: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`redis-server exited with status ${child.exitCode} before accepting connections`));
        return;
      }
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`redis-server did not listen on ${host}:${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Spawns a redis-server of our own with its data in `dataDir` (AOF on by default), bound to
 * loopback. The embedded mode and the integration tests both use this: a real Redis, never a mock.
 */
export async function launchRedis(opts: RedisLaunchOptions): Promise<RedisServerHandle> {
  const binary = opts.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  if (!redisBinaryExists(binary)) throw new RedisNotInstalledError(binary);
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port && opts.port > 0 ? opts.port : await freePort(host);
  mkdirSync(opts.dataDir, { recursive: true });
  const appendOnly = opts.appendOnly ?? true;
  const log = opts.logger.child({ part: 'redis-server', port });
  const args = [
    '--port',
    String(port),
    '--bind',
    host,
    '--dir',
    path.resolve(opts.dataDir),
    '--appendonly',
    appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    // Snapshots would duplicate what the AOF keeps and stall a small machine.
    '--save',
    '',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--loglevel',
    'warning',
  ];
  const child = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.ownProcessGroup ?? false,
  });
  child.stdout?.on('data', (d: Buffer) => log.debug(d.toString().trim()));
  child.stderr?.on('data', (d: Buffer) => log.warn(d.toString().trim()));
  child.on('exit', (code, signal) => log.info({ code, signal }, 'redis-server exited'));
  await waitForPort(host, port, child, 15_000);
  log.info({ dataDir: opts.dataDir, appendOnly }, 'redis-server started');
  const url = `redis://${host}:${port}`;
  return {
    url,
    port,
    pid: child.pid ?? -1,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const socket = net.connect(port, host);
      await new Promise<void>((resolve) => {
        socket.once('connect', () => {
          socket.write('SHUTDOWN\r\n');
          resolve();
        });
        socket.once('error', () => resolve());
      });
      const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
      await exited(child);
      clearTimeout(timer);
      socket.destroy();
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
