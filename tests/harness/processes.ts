import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { READY_PREFIX } from '../../embedded/kafka/server/run.js';
import { entryPoint } from './entry-points.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface ChildHandle {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines of stdout and stderr, for failure messages. */
  output(): string;
  /** Sends a signal and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `recostream <args>` from this checkout (entry-points.ts: the fresh build, else the sources
 * under tsx) as a child process,
 * with `env` added to this process's environment — for tests that SIGKILL a processor or run two
 * of them, and for benchmarks (`nodeArgs`: node flags such as `--cpu-prof`).
 */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  options: { nodeArgs?: string[] } = {},
): ChildHandle {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...entryPoint('cli/main.ts'), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    pid: child.pid ?? -1,
    exited,
    output: () => lines.join('\n'),
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export interface BrokerProcess {
  /** `host:port` the broker listens on. */
  brokers: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** The broker's stdout and stderr lines so far (it logs JSON): what a failing test shows. */
  lines: string[];
  /** SIGTERM (the broker flushes its logs) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

export interface SpawnBrokerOptions {
  /** Port to listen on; 0 (default): a free one. A restarted broker takes its old port back. */
  port?: number;
  /**
   * Largest file the broker may write (RLIMIT_FSIZE through prlimit, SIGXFSZ ignored), so a write
   * past it fails with EFBIG: a full disk where no small tmpfs can be mounted.
   */
  fileSizeLimit?: number;
}

/**
 * The embedded broker as a child process (embedded/kafka/main.ts, entry-points.ts): to SIGKILL it, to
 * restart it on its port, to fill its disk, or to give it a core of its own as in production (the
 * benchmarks). `args` are main.ts's options (`--flush always`, ...).
 */
export async function spawnBroker(
  dataDir: string,
  args: string[] = [],
  options: SpawnBrokerOptions = {},
): Promise<BrokerProcess> {
  const node = [
    process.execPath,
    ...entryPoint('embedded/kafka/main.ts'),
    '--data-dir',
    dataDir,
    '--port',
    String(options.port ?? 0),
    ...args,
  ];
  const command =
    options.fileSizeLimit === undefined
      ? node
      : // `trap '' XFSZ` is inherited through exec: the write fails with EFBIG instead of killing.
        ['sh', '-c', `trap '' XFSZ; exec prlimit --fsize=${options.fileSizeLimit} "$@"`, 'sh', ...node];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
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
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { brokers, child, exited, lines, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
