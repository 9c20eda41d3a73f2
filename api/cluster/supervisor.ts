import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../../lib/logger.js';
import { letListen, onWorkerReady } from './listen-together.js';
import { serveClusterMetrics } from './metrics.js';
import { RestartBudget } from './restart-budget.js';

/**
 * The primary of `recostream api --workers N`: N worker processes run the whole API (each with
 * its own Kafka, Redis and registry clients) and share one listening port through node:cluster.
 * A feature lookup is bound by one event loop's CPU (docs/BENCHMARKS.md, "API"); workers put
 * the other cores to use. The primary serves nothing itself: it starts the workers, replaces one
 * that dies, aggregates their metrics, and stops them all on SIGTERM/SIGINT.
 */
export interface ApiWorkersOptions {
  workers: number;
  logger: Logger;
  /** Unexpected worker exits tolerated within `restartWindowMs` before the API gives up. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** How long the workers get to drain and exit after a stop signal. */
  stopTimeoutMs?: number;
}

/**
 * Runs the workers until a stop signal, or until they cannot be kept running: a worker that exits
 * before it listened (bad configuration, port taken — the worker logged why) stops the API, as
 * does a crash loop. Resolves with the exit code for the primary.
 */
export function superviseApiWorkers(options: ApiWorkersOptions): Promise<number> {
  const log = options.logger.child({ part: 'api-workers' });
  const maxRestarts = options.maxRestarts ?? 5;
  const restartWindowMs = options.restartWindowMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const listened = new WeakSet<Worker>();
  const budget = new RestartBudget(maxRestarts, restartWindowMs);
  const stopServingMetrics = serveClusterMetrics();
  let stopping = false;
  let exitCode = 0;

  return new Promise<number>((resolve) => {
    // Workers start one after the other: each is forked once the one before is ready. Their
    // start-up (producer, registry, replay sink) then never races another worker's, and a
    // configuration error stops the API after one worker's attempt, not N at once. They listen
    // together, once the last is ready (listen-together.ts says why).
    let started = 0;
    let portOpen = false;
    let waiting: Worker[] = [];
    let listening = 0;
    const fork = () => {
      const worker = cluster.fork();
      onWorkerReady(worker, () => {
        if (portOpen) {
          letListen(worker);
        } else if (started < options.workers && !stopping) {
          waiting.push(worker);
          started++;
          fork();
        } else if (!stopping) {
          portOpen = true;
          for (const w of [...waiting, worker]) letListen(w);
          waiting = [];
        }
      });
      worker.once('listening', (address) => {
        listened.add(worker);
        log.info({ worker: worker.id, pid: worker.process.pid, port: address.port }, 'API worker listening');
        if (++listening === options.workers) {
          log.info({ workers: options.workers, port: address.port }, 'all API workers listening');
        }
      });
    };

    // An exited worker can stay in cluster.workers until its IPC channel closes.
    const living = () =>
      Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

    const stop = (reason: string, code: number) => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      log.info({ reason, workers: living().length }, 'stopping the API workers');
      for (const worker of living()) worker.process.kill('SIGTERM');
      setTimeout(() => {
        const left = living();
        if (left.length === 0) return;
        log.error({ workers: left.length, stopTimeoutMs }, 'API workers did not stop in time; killing them');
        for (const worker of left) worker.process.kill('SIGKILL');
      }, stopTimeoutMs).unref();
      if (living().length === 0) finish();
    };

    const finish = () => {
      stopServingMetrics();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      cluster.off('exit', onExit);
      resolve(exitCode);
    };

    const onSignal = (signal: NodeJS.Signals) => stop(signal, 0);

    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      if (stopping) {
        if (code !== 0 && code !== null) exitCode ||= code;
        if (living().length === 0) finish();
        return;
      }
      if (!listened.has(worker)) {
        log.error({ worker: worker.id, code, signal }, 'an API worker exited before it listened; stopping');
        stop('worker failed to start', code || 1);
        return;
      }
      if (!budget.allow(Date.now())) {
        log.error(
          { worker: worker.id, code, signal, exits: budget.recent, windowMs: restartWindowMs },
          'API workers keep exiting; stopping',
        );
        stop('crash loop', 1);
        return;
      }
      log.error(
        { worker: worker.id, pid: worker.process.pid, code, signal },
        'an API worker exited; starting another',
      );
      fork();
    };

    cluster.on('exit', onExit);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    log.info({ workers: options.workers }, 'starting the API workers');
    started = 1;
    fork();
  });
}
