import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { isMessage } from './ipc-message.js';

/**
 * /metrics when the API runs in several worker processes (`recostream api --workers N`).
 *
 * A scrape lands on whichever worker the primary hands the connection to, and that worker's own
 * registries count only its share of the requests. So the worker asks the primary, which collects
 * every worker's registries over the cluster's IPC channel and aggregates them with prom-client's
 * AggregatorRegistry: counters and histograms are summed, so the exposition reads as one server's.
 */

/** Renders the metrics text of the API's registries (the HTTP histogram and the pipeline's). */
export type MetricsExposition = () => Promise<string>;

/** Builds the exposition from the API's registries; the API calls it once, when it is built. */
export type MetricsExpositionFactory = (registries: Registry[]) => MetricsExposition;

/** One process: the registries' texts, one after the other. */
export const localMetricsExposition: MetricsExpositionFactory = (registries) => async () =>
  (await Promise.all(registries.map((r) => r.metrics()))).join('\n');

const REQUEST = 'recostream:api-metrics-request';
const RESPONSE = 'recostream:api-metrics-response';
/** Workers answer the primary within prom-client's own 5 s; this bounds a lost reply. */
const TIMEOUT_MS = 10_000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/**
 * In the primary: answers each worker's request with the aggregated metrics of all workers.
 * Returns a function that stops answering.
 */
export function serveClusterMetrics(): () => void {
  const aggregator = new AggregatorRegistry();
  const onMessage = (worker: Worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    const reply = (response: Omit<MetricsResponse, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: RESPONSE, id: message.id, ...response });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
    );
  };
  cluster.on('message', onMessage);
  return () => cluster.off('message', onMessage);
}

/**
 * In a worker: registers the API's registries for the primary's collection rounds (every worker
 * must, from its start, or a round would wait for it), and renders /metrics by asking the primary.
 */
export const workerMetricsExposition: MetricsExpositionFactory = (registries) => {
  if (!cluster.isWorker || !process.send) throw new Error('workerMetricsExposition: not a cluster worker');
  AggregatorRegistry.setRegistries(registries);
  // Constructing one is what installs prom-client's listener for the primary's requests.
  new AggregatorRegistry();
  const pending = new Map<number, { resolve(text: string): void; reject(err: Error): void }>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (!isMessage<MetricsResponse>(message, RESPONSE)) return;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.error !== undefined || message.text === undefined) {
      waiting.reject(new Error(`metrics of the API workers: ${message.error ?? 'no text'}`));
    } else {
      waiting.resolve(message.text);
    }
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`metrics of the API workers: no answer from the primary within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      pending.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      process.send!({ type: REQUEST, id } satisfies MetricsRequest);
    });
};
