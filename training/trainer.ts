import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { health as processHealth, type HealthRegistry } from '../lib/health.js';
import type { Logger } from '../lib/logger.js';
import type { AvroSerde } from '../schemas/serde.js';
import type { TrainingRun } from '../schemas/types.js';
import { DEFAULT_SINK_GROUP } from '../sinks/clickhouse/sink.js';
import { activeVersion } from '../sinks/redis/versions.js';
import { TypedProducer } from '../topology/producer.js';
import { itemFeaturesTopic, userFeaturesTopic } from '../topology/topics.js';
import {
  errorText,
  evaluateTrainerHealth,
  type CheckResult,
  type HealthCheck,
  type TrainerHealth,
} from './health.js';
import { trainerMetrics, type TrainerMetrics } from './metrics.js';
import type { ComputeIsolation } from './runs/compute-host.js';
import { executeRun, type RunContext, type RunProgress } from './runs/execute.js';
import {
  isFinal,
  newRunId,
  startedRecord,
  type RunDefinition,
  type RunRequestOptions,
} from './runs/record.js';
import { RunRegistry } from './runs/registry.js';
import type { LabelStore } from './snapshot/labels.js';
import { fromRecordOffsets, type EndOffsets } from './snapshot/offsets.js';
import type { SnapshotId } from './snapshot/snapshot.js';
import { ChangeTracker } from './trigger/change-tracker.js';
import {
  decideTrigger,
  DEFAULT_TRIGGER_POLICY,
  validatePolicy,
  type TriggerPolicy,
  type TriggerReason,
} from './trigger/policy.js';

/**
 * The trainer daemon (`recostream trainer`, and inside `recostream up`): tracks feature changes of
 * the active version, starts a run when its policy fires or when asked, runs one at a time, and
 * coalesces requests made during a run into one next run.
 */

export interface TrainerDeps {
  kafka: Kafka;
  serde: AvroSerde;
  /** Where labels are read (the ClickHouse sink's tables; `openReadOnlyClickHouse`). */
  clickhouse: LabelStore;
  dataDir: string;
  logger: Logger;
  /** The version to train when Redis names no active one (or there is no Redis). */
  featureVersion: string;
  /** Follows the active version pointer (sinks/redis/versions.ts) when given. */
  redis?: Redis;
  /** Publishes run records; one is created (and closed) when absent. */
  producer?: TypedProducer;
  policy?: Partial<TriggerPolicy>;
  /** Start policy runs on its own (default true; false: only requested runs). */
  autoTrigger?: boolean;
  promotionMetric?: string;
  minImprovement?: number;
  /** Models, protocol, seed and params of runs that do not say otherwise. */
  defaults?: RunRequestOptions;
  /** Wait for the ClickHouse sink before reading labels (default: group recostream-clickhouse-sink, 10 min); null: do not. */
  sink?: { groupId: string; timeoutMs: number } | null;
  /** Where runs compute (default `worker`: a worker thread). */
  isolation?: ComputeIsolation;
  /** The trainer's clock (policy intervals, record times); default Date.now. */
  now?: () => number;
  /** How often the policy, the active version and the trainer's health are checked (default 5 s). */
  checkIntervalMs?: number;
  /** Where the trainer reports its health as component `trainer` (default: the process's). */
  health?: HealthRegistry;
  /** Dependencies the health also covers besides Kafka, the sink and Redis (schema registry, ClickHouse). */
  checks?: HealthCheck[];
  metrics?: TrainerMetrics;
}

export interface RunRequest extends RunRequestOptions {
  /** Re-read this snapshot (e.g. an earlier run's) instead of taking a new one. */
  reuse?: SnapshotId;
  /** The run whose snapshot `reuse` is (recorded in the run's params). */
  reproduces?: string;
}

export interface RunTicket {
  runId: string;
  /** true: a run was in progress, and this request joined (or became) the next one. */
  coalesced: boolean;
  run: TrainingRun;
}

export interface TrainerStatus {
  state: 'starting' | 'idle' | 'running' | 'closed';
  featureVersion: string;
  /** Whether the feature topics are being tracked (false until they exist). */
  tracking: boolean;
  changedEntities: number;
  lastRunAt: number | null;
  running: { runId: string; trigger: TriggerReason; progress: RunProgress | null } | null;
  queued: { runId: string; requests: number } | null;
  policy: TriggerPolicy;
  health: TrainerHealth;
}

export interface Trainer {
  /** Starts a run now, or — while one runs — joins the one queued after it. */
  requestRun(request?: RunRequest): Promise<RunTicket>;
  /** Resolves with the run's final record (succeeded or failed). */
  waitForRun(runId: string, timeoutMs?: number): Promise<TrainingRun>;
  /** Evaluates the policy now (it is also evaluated on changes and every check interval). */
  checkNow(): Promise<TriggerReason | null>;
  /** Runs the health checks now (they also run every check interval) and reports the result. */
  checkHealth(): Promise<void>;
  status(): TrainerStatus;
  getRun(runId: string): TrainingRun | null;
  /** Newest first, the queued run (if any) first of all. */
  listRuns(limit?: number): TrainingRun[];
  /** Progress of every run phase; returns the unsubscribe function. */
  onProgress(listener: (progress: RunProgress) => void): () => void;
  close(): Promise<void>;
}

/** The name the trainer reports its health under (lib/health.ts). */
export const TRAINER_HEALTH_COMPONENT = 'trainer';

interface QueuedRun {
  def: RunDefinition;
  request: RunRequest;
  requestedAt: number;
  requests: number;
}

export async function startTrainer(deps: TrainerDeps): Promise<Trainer> {
  const log = deps.logger.child({ part: 'trainer' });
  const now = deps.now ?? Date.now;
  const policy = validatePolicy({ ...DEFAULT_TRIGGER_POLICY, ...deps.policy });
  const promotionMetric = deps.promotionMetric ?? 'ndcg@10';
  const healthRegistry = deps.health ?? processHealth;
  const metrics = deps.metrics ?? trainerMetrics();
  healthRegistry.report(TRAINER_HEALTH_COMPONENT, false, 'starting', { version: deps.featureVersion });
  metrics.healthy.set(0);
  const admin: Admin = deps.kafka.admin();
  const ownProducer = deps.producer === undefined;
  const producer = deps.producer ?? new TypedProducer(deps.kafka, deps.serde, { logger: log });
  const registry = new RunRegistry({ kafka: deps.kafka, admin, serde: deps.serde, producer, logger: log });
  const startedAt = now();
  try {
    await admin.connect();
    await registry.restore(startedAt);
  } catch (err) {
    await admin.disconnect().catch(() => undefined);
    if (ownProducer) await producer.disconnect().catch(() => undefined);
    healthRegistry.remove(TRAINER_HEALTH_COMPONENT);
    throw err;
  }
  for (const status of ['succeeded', 'failed'] as const) {
    const newest = registry.list().find((r) => r.status === status && r.finished_at !== null);
    if (newest) metrics.lastRunTimestamp.set({ status }, newest.finished_at! / 1000);
  }

  const ctx: RunContext = {
    kafka: deps.kafka,
    admin,
    serde: deps.serde,
    labels: deps.clickhouse,
    registry,
    logger: log,
    dataDir: deps.dataDir,
    sink: deps.sink === undefined ? { groupId: DEFAULT_SINK_GROUP, timeoutMs: 600_000 } : deps.sink,
    isolation: deps.isolation ?? 'worker',
    now,
    minImprovement: deps.minImprovement,
  };

  let state: TrainerStatus['state'] = 'starting';
  let version = deps.featureVersion;
  let tracker: ChangeTracker | null = null;
  let current: { def: RunDefinition; progress: RunProgress | null; done: Promise<void> } | null = null;
  let queued: QueuedRun | null = null;
  let lastRunAt = lastRunTime(registry.latest());
  const listeners = new Set<(p: RunProgress) => void>();
  const waiters = new Map<string, ((run: TrainingRun) => void)[]>();
  let timer: NodeJS.Timeout | null = null;
  let checkScheduled = false;

  // Health: dependency checks on a connection of their own without retries, so that a check fails
  // within its deadline while Kafka is away instead of retrying for a minute like the run's clients.
  const probeAdmin = deps.kafka.admin({ retry: { retries: 0 } });
  let probeConnected: Promise<void> | null = null;
  const connectProbe = () =>
    (probeConnected ??= probeAdmin.connect().catch((err: unknown) => {
      probeConnected = null;
      throw err;
    }));
  const checks: HealthCheck[] = [
    {
      name: 'kafka',
      failure: 'kafka unreachable',
      async check() {
        await connectProbe();
        await probeAdmin.describeCluster();
      },
    },
  ];
  const sinkWait = ctx.sink;
  if (sinkWait) {
    checks.push({
      name: 'clickhouse_sink',
      failure: `ClickHouse sink (group ${sinkWait.groupId})`,
      async check() {
        // Runs wait for the sink to store their snapshot's interactions: without one they time out.
        await connectProbe();
        const { groups } = await probeAdmin.describeGroups([sinkWait.groupId]);
        if ((groups[0]?.members.length ?? 0) === 0)
          throw new Error(
            `no consumer: a run would wait ${Math.round(sinkWait.timeoutMs / 1000)} s for one to store ` +
              'its snapshot, then fail',
          );
      },
    });
  }
  const redis = deps.redis;
  if (redis) {
    checks.push({
      name: 'redis',
      failure: 'redis unreachable',
      async check() {
        if (redis.status !== 'ready')
          throw new Error(
            `connection ${redis.status} (the API's training requests and the active-version pointer go through it)`,
          );
      },
    });
  }
  checks.push(...(deps.checks ?? []));
  // Not tied to the check interval: a short interval must not make a slow answer an outage.
  const checkTimeoutMs = 5000;
  let checkResults: ReadonlyMap<string, CheckResult> = new Map();
  let rounds = 0;
  let checking: Promise<void> | null = null;
  let healthTimer: NodeJS.Timeout | null = null;
  /** The newest run failed before its snapshot was taken (after `afterRound` check rounds had started). */
  let failedStart: { runId: string; error: string; afterRound: number } | null = null;
  /** Why the change tracker could not start (topics missing, Kafka away), or null. */
  let trackingError: string | null = null;

  function currentHealth(): TrainerHealth {
    return evaluateTrainerHealth({
      state,
      topics: [userFeaturesTopic(version), itemFeaturesTopic(version)],
      tracking: { running: tracker?.running ?? false, error: tracker?.error ?? trackingError },
      checks: checkResults,
      failedStart,
    });
  }

  function updateChangedEntities(): void {
    metrics.changedEntities.set({ version }, tracker?.changedEntities ?? 0);
  }

  function reportHealth(): void {
    const result = currentHealth();
    metrics.healthy.set(result.healthy ? 1 : 0);
    updateChangedEntities();
    healthRegistry.report(TRAINER_HEALTH_COMPONENT, result.healthy, result.reason, {
      version,
      state,
      checks: result.checks,
      changedEntities: tracker?.changedEntities ?? 0,
      lastRunAt,
      running: current?.def.runId ?? null,
    });
  }

  async function runChecks(): Promise<void> {
    const round = ++rounds;
    const results = await Promise.all(
      checks.map(async (c): Promise<[string, CheckResult]> => {
        try {
          await withDeadline(c.check(), checkTimeoutMs, `no answer within ${checkTimeoutMs} ms`);
          return [c.name, { ok: true, problem: null }];
        } catch (err) {
          return [c.name, { ok: false, problem: `${c.failure}: ${errorText(err)}` }];
        }
      }),
    );
    checkResults = new Map(results);
    const tracking = tracker?.running === true && tracker.error === null;
    // Everything answers again in a round begun after the failed start: the outage behind it is over.
    if (failedStart && failedStart.afterRound < round && tracking && results.every(([, r]) => r.ok))
      failedStart = null;
  }

  function checkHealth(): Promise<void> {
    // One round at a time: a round waiting for its deadlines must not pile up behind the timer.
    checking ??= runChecks()
      .catch((err: unknown) => log.error({ err }, 'health check failed'))
      .finally(() => {
        checking = null;
        reportHealth();
      });
    return checking;
  }

  function definition(trigger: TriggerReason, request: RunRequest, runId = newRunId(now())): RunDefinition {
    // An option the request leaves unset keeps the default, also when a client passes it through
    // as undefined (a TrainerClient forwarding an HTTP body's optional fields).
    const options: RunRequest = { ...deps.defaults };
    for (const [key, value] of Object.entries(request))
      if (value !== undefined) Object.assign(options, { [key]: value });
    const models = options.models && options.models.length > 0 ? options.models : null;
    return {
      runId,
      trigger,
      featureVersion: request.reuse?.featureVersion ?? version,
      protocol: options.protocol ?? 'temporal',
      folds: (options.protocol ?? 'temporal') === 'kfold' ? (options.folds ?? 5) : null,
      seed: options.seed ?? 0,
      models,
      params: options.params ?? {},
      promotionMetric,
      reason: options.reason,
      reproduces: request.reproduces,
    };
  }

  function startRun(def: RunDefinition, request: RunRequest): void {
    const entry: { def: RunDefinition; progress: RunProgress | null; done: Promise<void> } = {
      def,
      progress: null,
      done: Promise.resolve(),
    };
    current = entry;
    state = 'running';
    metrics.runsStarted.inc({ trigger: def.trigger });
    metrics.runInProgress.set(1);
    entry.done = executeRun(ctx, def, {
      reuse: request.reuse,
      onProgress: (p) => {
        entry.progress = p;
        for (const listener of listeners) listener(p);
      },
    })
      .then(({ run, ends }) => finished(run, ends))
      .catch((err: unknown) => log.error({ err }, 'training run crashed'))
      .finally(() => {
        current = null;
        metrics.runInProgress.set(0);
        if (state === 'closed') return;
        state = 'idle';
        reportHealth();
        const next = queued;
        queued = null;
        if (next) startRun(next.def, next.request);
        else scheduleCheck();
      });
  }

  function finished(run: TrainingRun, ends: EndOffsets | null): void {
    lastRunAt = lastRunTime(run);
    // Only a successful run moves the baseline: after a failure, its changes still count.
    if (run.status === 'succeeded' && ends && tracker && run.feature_version === tracker.featureVersion)
      tracker.advance(ends);
    // The record gets its snapshot offsets once the snapshot is taken: without them it failed to start.
    const failedToStart = run.status === 'failed' && run.snapshot_offsets.length === 0;
    if (run.status === 'succeeded') metrics.runsSucceeded.inc({ trigger: run.trigger });
    else metrics.runsFailed.inc({ trigger: run.trigger, phase: failedToStart ? 'snapshot' : 'train' });
    if (run.finished_at !== null) {
      metrics.lastRunTimestamp.set({ status: run.status }, run.finished_at / 1000);
      metrics.runDuration.observe(
        { status: run.status },
        Math.max(0, run.finished_at - run.started_at) / 1000,
      );
    }
    failedStart = failedToStart
      ? { runId: run.run_id, error: run.error ?? 'unknown error', afterRound: rounds }
      : null;
    const pending = waiters.get(run.run_id) ?? [];
    waiters.delete(run.run_id);
    for (const resolve of pending) resolve(run);
  }

  async function checkNow(): Promise<TriggerReason | null> {
    if (state === 'closed' || current !== null || !tracker) return null;
    const reason = decideTrigger(
      policy,
      { changedEntities: tracker.changedEntities, lastRunAt, startedAt },
      now(),
    );
    if (reason === null) return null;
    log.info(
      {
        reason,
        changedEntities: tracker.changedEntities,
        lastRunAt: lastRunAt && new Date(lastRunAt).toISOString(),
      },
      'training policy fired',
    );
    startRun(definition(reason, {}), {});
    return reason;
  }

  function scheduleCheck(): void {
    if (deps.autoTrigger === false || checkScheduled) return;
    checkScheduled = true;
    setImmediate(() => {
      checkScheduled = false;
      void checkNow().catch((err: unknown) => log.error({ err }, 'policy check failed'));
    });
  }

  async function followVersion(): Promise<void> {
    if (state === 'closed') return;
    const active = deps.redis
      ? ((await activeVersion(deps.redis)) ?? deps.featureVersion)
      : deps.featureVersion;
    if (tracker && tracker.featureVersion === active && tracker.running) return;
    if (tracker && tracker.featureVersion !== active) {
      log.info(
        { from: tracker.featureVersion, to: active },
        'the active feature version changed; tracking the new one',
      );
      metrics.changedEntities.remove({ version: tracker.featureVersion });
    }
    // Also a tracker whose consumer kafkajs gave up on: a new one counts again from the baseline.
    await tracker?.stop();
    tracker = null;
    version = active;
    const baselineRun = registry.latestSucceeded(active);
    const next = new ChangeTracker({
      kafka: deps.kafka,
      admin,
      logger: log,
      featureVersion: active,
      baseline: baselineRun ? fromRecordOffsets(baselineRun.snapshot_offsets) : undefined,
      onChange: () => {
        updateChangedEntities();
        scheduleCheck();
      },
      now,
    });
    tracker = next;
    try {
      await next.start();
      trackingError = null;
    } catch (err) {
      // Typically the topics do not exist yet (no processor has run): tried again every check.
      trackingError = errorText(err);
      log.warn({ err: (err as Error).message }, 'not tracking feature changes yet');
    }
  }

  async function tick(): Promise<void> {
    try {
      await followVersion();
      if (deps.autoTrigger !== false) await checkNow();
    } catch (err) {
      log.error({ err }, 'trainer check failed');
    }
  }

  await followVersion();
  state = 'idle';
  await checkHealth();
  timer = setInterval(() => void tick(), deps.checkIntervalMs ?? 5000);
  timer.unref();
  healthTimer = setInterval(() => {
    if (state !== 'closed') void checkHealth();
  }, deps.checkIntervalMs ?? 5000);
  healthTimer.unref();
  log.info({ version, policy, promotionMetric, runs: registry.list().length }, 'trainer started');

  const trainer: Trainer = {
    async requestRun(request = {}) {
      if (state === 'closed') throw new Error('the trainer is closed');
      if (!current) {
        const def = definition('manual', request);
        startRun(def, request);
        return {
          runId: def.runId,
          coalesced: false,
          run: registry.get(def.runId) ?? startedRecord(def, now()),
        };
      }
      if (!queued) {
        const def = definition('manual', request);
        queued = { def, request, requestedAt: now(), requests: 1 };
      } else {
        // Coalesced: one next run for every request made during this one; the latest options win.
        queued.def = definition('manual', request, queued.def.runId);
        queued.request = request;
        queued.requests++;
      }
      log.info(
        { running: current.def.runId, queued: queued.def.runId, requests: queued.requests },
        'run request coalesced',
      );
      return {
        runId: queued.def.runId,
        coalesced: true,
        run: startedRecord(queued.def, queued.requestedAt, 'queued'),
      };
    },

    waitForRun(runId, timeoutMs) {
      const known = registry.get(runId);
      if (known && isFinal(known)) return Promise.resolve(known);
      if (!known && queued?.def.runId !== runId && current?.def.runId !== runId)
        return Promise.reject(new Error(`no training run ${runId}`));
      return new Promise<TrainingRun>((resolve, reject) => {
        const timeout =
          timeoutMs === undefined
            ? null
            : setTimeout(
                () => reject(new Error(`run ${runId} did not finish within ${timeoutMs} ms`)),
                timeoutMs,
              );
        const list = waiters.get(runId) ?? [];
        list.push((run) => {
          if (timeout) clearTimeout(timeout);
          resolve(run);
        });
        waiters.set(runId, list);
      });
    },

    checkNow,
    checkHealth,

    status() {
      return {
        state,
        featureVersion: version,
        tracking: tracker?.running ?? false,
        changedEntities: tracker?.changedEntities ?? 0,
        lastRunAt,
        running: current
          ? { runId: current.def.runId, trigger: current.def.trigger, progress: current.progress }
          : null,
        queued: queued ? { runId: queued.def.runId, requests: queued.requests } : null,
        policy,
        health: currentHealth(),
      };
    },

    getRun(runId) {
      if (queued?.def.runId === runId) return startedRecord(queued.def, queued.requestedAt, 'queued');
      return registry.get(runId);
    },

    listRuns(limit = 50) {
      const runs = registry.list(limit);
      if (queued) runs.unshift(startedRecord(queued.def, queued.requestedAt, 'queued'));
      return runs.slice(0, limit);
    },

    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      if (state === 'closed') return;
      const running = current;
      state = 'closed';
      queued = null;
      if (timer) clearInterval(timer);
      if (healthTimer) clearInterval(healthTimer);
      reportHealth();
      // A run in progress finishes (its record must not stay `running`); nothing new starts.
      await running?.done;
      await checking;
      await tracker?.stop();
      if (ownProducer) await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      if (probeConnected) await probeAdmin.disconnect().catch(() => undefined);
      healthRegistry.remove(TRAINER_HEALTH_COMPONENT);
      metrics.healthy.set(0);
      log.info('trainer stopped');
    },
  };
  return trainer;
}

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** When a run last finished (or started, while it has not): what the policy's intervals count from. */
function lastRunTime(run: TrainingRun | null): number | null {
  if (!run) return null;
  return run.finished_at ?? run.started_at;
}
