import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../embedded/kafka/index.js';
import { silentLogger } from '../../lib/logger.js';

export interface TestBroker {
  broker: RunningBroker;
  dataDir: string;
  kafka(config?: Partial<KafkaConfig>): Kafka;
  stop(): Promise<void>;
}

/** An in-process broker on a free port with its own temporary data directory. */
export async function startTestBroker(opts: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'broker-test-')));
  const broker = await startBroker({ port: 0, logger: silentLogger, ...opts, dataDir });
  return {
    broker,
    dataDir,
    kafka: (config = {}) =>
      new Kafka({ brokers: [broker.brokers], clientId: 'compat', logLevel: logLevel.NOTHING, ...config }),
    async stop() {
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; rejects with its stderr on a non-zero exit. */
export function runProgram(
  file: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

export function kcat(
  brokers: string,
  args: string[],
  input?: string,
  timeoutMs?: number,
): Promise<RunResult> {
  return runProgram('kcat', ['-b', brokers, ...args], { input, timeoutMs });
}

/**
 * kafka-python lives in Debian's python3 (/usr/bin/python3), not necessarily the python3 first
 * on PATH. The script gets the bootstrap address as sys.argv[1].
 */
export function python(brokers: string, script: string, timeoutMs?: number): Promise<RunResult> {
  return runProgram('/usr/bin/python3', ['-c', script, brokers], { timeoutMs });
}

/** Polls `check` until it returns true (never a timing assertion: the test timeout is the limit). */
export async function eventually(check: () => boolean | Promise<boolean>, intervalMs = 50): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, intervalMs));
}
