import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { READY_PREFIX } from '../../embedded/kafka/server/run.js';

/**
 * A disk that fills up, for the broker's disk-full case. A small tmpfs mounted on the directory
 * when this process may mount (root); otherwise the broker process is given a file-size limit
 * (RLIMIT_FSIZE through prlimit, SIGXFSZ ignored), so a write past it fails with EFBIG instead of
 * ENOSPC — the same refusal path, said honestly in the results.
 */

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface SmallDisk {
  dir: string;
  kind: 'tmpfs' | 'rlimit-fsize';
  /** Bytes the broker may write: the tmpfs size, or the per-file limit. */
  bytes: number;
  /** Unmounts the tmpfs (nothing to do for a file-size limit). */
  release(): Promise<void>;
}

export async function mountSmallDisk(dir: string, bytes: number): Promise<SmallDisk> {
  await mkdir(dir, { recursive: true });
  // RELIABILITY_SMALL_DISK=rlimit exercises the fallback where mounting is possible.
  if (process.env.RELIABILITY_SMALL_DISK === 'rlimit') {
    return { dir, kind: 'rlimit-fsize', bytes, release: async () => undefined };
  }
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
    return { dir, kind: 'tmpfs', bytes, release: () => run('umount', [dir]).then(() => undefined) };
  } catch {
    return { dir, kind: 'rlimit-fsize', bytes, release: async () => undefined };
  }
}

export interface BrokerChild {
  brokers: string;
  child: ChildProcess;
  /** stdout and stderr lines so far (the broker logs JSON). */
  lines: string[];
  stop(): Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * The broker as a child process on `dataDir` and `port` (0: a free one), fsync per produce unless
 * `flush` says otherwise (`interval:1000` is `recostream up`'s default); with `fileSizeLimit`,
 * under that RLIMIT_FSIZE.
 */
export async function spawnBrokerOn(
  dataDir: string,
  fileSizeLimit?: number,
  port = 0,
  flush = 'always',
): Promise<BrokerChild> {
  const node = [process.execPath, '--import', 'tsx', 'embedded/kafka/main.ts'];
  const args = ['--data-dir', dataDir, '--port', String(port), '--flush', flush];
  const command =
    fileSizeLimit === undefined
      ? [...node, ...args]
      : // `trap '' XFSZ` is inherited through exec: the write fails with EFBIG instead of killing.
        ['sh', '-c', `trap '' XFSZ; exec prlimit --fsize=${fileSizeLimit} "$@"`, 'sh', ...node, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const brokers = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith(READY_PREFIX)) resolve(line.slice(READY_PREFIX.length).trim());
    });
    child.once('exit', (code) =>
      reject(new Error(`broker exited with ${code} before it was ready:\n${lines.join('\n')}`)),
    );
  });
  return {
    brokers,
    child,
    lines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
