import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { computeRun, type ComputeInput } from './compute.js';

/**
 * The worker thread of `computeInWorker`: runs one computation and posts progress, log lines and
 * then the output (or the error) to the parent. Log lines go to the parent's logger, so they land
 * where the process logs (stderr for `recostream train --json`, whatever `up` configured).
 */

interface WorkerData {
  input: ComputeInput;
  logLevel: string;
}

const data = workerData as WorkerData;
const port = parentPort!;
const logger = pino(
  { level: data.logLevel },
  { write: (line: string) => port.postMessage({ type: 'log', line }) },
);

computeRun(data.input, (event) => port.postMessage({ type: 'progress', event }), logger).then(
  (output) => port.postMessage({ type: 'done', output }),
  (err: unknown) =>
    port.postMessage({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    }),
);
