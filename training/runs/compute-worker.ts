import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../lib/logger.js';
import { computeRun, type ComputeInput } from './compute.js';

/**
 * The worker thread of `computeInWorker`: runs one computation and posts progress, then the
 * output (or the error) to the parent.
 */

interface WorkerData {
  input: ComputeInput;
  logLevel: string;
  bindings: Record<string, unknown>;
}

const data = workerData as WorkerData;
const logger = createLogger('recostream', { level: data.logLevel }).child(data.bindings);

computeRun(data.input, (event) => parentPort!.postMessage({ type: 'progress', event }), logger).then(
  (output) => parentPort!.postMessage({ type: 'done', output }),
  (err: unknown) =>
    parentPort!.postMessage({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    }),
);
