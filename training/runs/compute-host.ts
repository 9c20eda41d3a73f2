import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/logger.js';
import type { ProgressEvent } from '../run.js';
import { computeRun, type ComputeInput, type ComputeOutput } from './compute.js';

/**
 * Where a run's computation happens. `worker` (the trainer's default): on a worker thread, so a
 * minute of fitting does not stall the event loop of the process — the API, the processors'
 * heartbeats and the trainer's own consumer keep running in `recostream up`. `inline`: on the
 * calling thread (tests, the one-shot CLI, benchmarks), which avoids copying the data.
 */
export type ComputeIsolation = 'worker' | 'inline';

type WorkerMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'log'; line: string }
  | { type: 'done'; output: ComputeOutput }
  | { type: 'error'; message: string; stack?: string };

export function compute(
  isolation: ComputeIsolation,
  input: ComputeInput,
  onProgress: (event: ProgressEvent) => void,
  logger: Logger,
): Promise<ComputeOutput> {
  return isolation === 'inline'
    ? computeRun(input, onProgress, logger)
    : computeInWorker(input, onProgress, logger);
}

export function computeInWorker(
  input: ComputeInput,
  onProgress: (event: ProgressEvent) => void,
  logger: Logger,
): Promise<ComputeOutput> {
  const workerData = { input, logLevel: logger.level };
  let worker: Worker;
  if (import.meta.url.endsWith('.ts')) {
    // From the TypeScript sources (tsx, vitest) the worker is a .ts module. Node 20 does not carry
    // the parent's loader hooks (nor `--import tsx` in execArgv) into a worker, so the worker
    // registers tsx itself before importing the module.
    const tsxApiCjs = createRequire(import.meta.url).resolve('tsx/esm/api');
    const tsxApi = pathToFileURL(path.join(path.dirname(tsxApiCjs), 'index.mjs')).href;
    const url = new URL('./compute-worker.ts', import.meta.url).href;
    const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); });`;
    worker = new Worker(bootstrap, { eval: true, workerData });
  } else {
    worker = new Worker(fileURLToPath(new URL('./compute-worker.js', import.meta.url)), { workerData });
  }
  return new Promise<ComputeOutput>((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress(message.event);
      else if (message.type === 'log') relayLog(logger, message.line);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.output);
      } else {
        settled = true;
        const err = new Error(message.message);
        if (message.stack) err.stack = message.stack;
        reject(err);
      }
    });
    worker.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new Error(`the training worker exited with code ${code} before finishing`));
    });
  }).finally(() => void worker.terminate());
}

/** A pino line of the worker, logged again through the parent's logger (its level, its fields). */
function relayLog(logger: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = entry;
  const name = typeof level === 'number' ? logger.levels.labels[level] : undefined;
  const log =
    name && (LEVELS as readonly string[]).includes(name) ? (name as (typeof LEVELS)[number]) : 'info';
  logger[log](fields, typeof msg === 'string' ? msg : '');
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
