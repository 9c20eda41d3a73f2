import cluster, { type Worker } from 'node:cluster';
import { isMessage } from './ipc-message.js';

/**
 * The workers of `recostream api --workers N` open the port together. node:cluster hands a new
 * connection only to a worker that already listens, and keep-alive connections stay where they
 * were accepted: had the first worker listened alone while the others were still starting, every
 * connection a client pool opened at that moment would stay on it. So each worker, once built,
 * reports ready and waits; the primary lets them all listen when the last one is ready (and a
 * replacement for a worker that died, as soon as it is).
 */

const READY = 'recostream:api-worker-ready';
const LISTEN = 'recostream:api-worker-listen';

interface Ready {
  type: typeof READY;
}
interface Listen {
  type: typeof LISTEN;
}

/** In a worker: reports ready to the primary and resolves when it says to listen. */
export function waitForPeers(): Promise<void> {
  if (!cluster.isWorker || !process.send)
    return Promise.reject(new Error('waitForPeers: not a cluster worker'));
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (!isMessage<Listen>(message, LISTEN)) return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    process.send!({ type: READY } satisfies Ready);
  });
}

/** In the primary: calls `onReady` when `worker` reports ready (once). */
export function onWorkerReady(worker: Worker, onReady: () => void): void {
  const onMessage = (message: unknown) => {
    if (!isMessage<Ready>(message, READY)) return;
    worker.off('message', onMessage);
    onReady();
  };
  worker.on('message', onMessage);
}

/** In the primary: lets a ready worker listen. */
export function letListen(worker: Worker): void {
  if (worker.isConnected()) worker.send({ type: LISTEN } satisfies Listen);
}
