import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../../lib/logger.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { TrainingRun } from '../../schemas/types.js';
import { chooseServedModel, type ModelCandidate, type PromotionDecision } from '../promotion.js';
import { bestModel, selectionMetrics, type RunParams } from '../run.js';
import { modelsDir, readPromoted, writePromoted } from '../serving/promoted.js';
import type { LabelStore } from '../snapshot/labels.js';
import type { EndOffsets } from '../snapshot/offsets.js';
import { takeSnapshot, type Snapshot, type SnapshotId } from '../snapshot/snapshot.js';
import { compute, type ComputeIsolation } from './compute-host.js';
import type { ComputeOutput } from './compute.js';
import { dataSizesOf, durationsOf, metricsOf, startedRecord, type RunDefinition } from './record.js';
import type { RunRegistry } from './registry.js';

/**
 * One training run end to end: record it as running, take the snapshot, compute (fit, evaluate,
 * refit, save artifacts), decide promotion, record the outcome. Every phase is logged with its
 * counts and time; a failure anywhere ends the run as `failed` with the error in the record.
 */

export interface RunContext {
  kafka: Kafka;
  admin: Admin;
  serde: AvroSerde;
  labels: LabelStore;
  registry: RunRegistry;
  logger: Logger;
  dataDir: string;
  /** Wait for the ClickHouse sink to store the snapshot's interactions (null: do not wait). */
  sink: { groupId: string; timeoutMs: number } | null;
  isolation: ComputeIsolation;
  now: () => number;
  /** Required margin over the served model, in the metric's units (default 0). */
  minImprovement?: number;
}

export type RunPhase = 'start' | 'snapshot' | 'train' | 'save' | 'promote' | 'done';

export interface RunProgress {
  runId: string;
  phase: RunPhase;
  message: string;
  /** 0..1 of the whole run (for a progress bar). */
  fraction: number;
}

export interface ExecuteOptions {
  /** Re-read this snapshot instead of recording new offsets. */
  reuse?: SnapshotId;
  onProgress?: (progress: RunProgress) => void;
  /** Called right after the snapshot's end offsets are recorded (tests append records here). */
  onOffsetsRecorded?: (ends: EndOffsets) => void | Promise<void>;
}

export interface RunOutcome {
  run: TrainingRun;
  /** The snapshot's end offsets (null when the run failed before recording them). */
  ends: EndOffsets | null;
}

const SNAPSHOT_SHARE = 0.1;
const TRAIN_SHARE = 0.85;

export async function executeRun(
  ctx: RunContext,
  def: RunDefinition,
  opts: ExecuteOptions = {},
): Promise<RunOutcome> {
  const log = ctx.logger.child({ run: def.runId });
  const started = performance.now();
  const phases: Record<string, number> = {};
  const progress = (phase: RunPhase, message: string, fraction: number) =>
    opts.onProgress?.({ runId: def.runId, phase, message, fraction: Math.min(1, Math.max(0, fraction)) });

  let record = startedRecord(def, ctx.now());
  let ends: EndOffsets | null = null;
  let snapshot: Snapshot | null = null;
  let output: ComputeOutput | null = null;
  log.info(
    {
      trigger: def.trigger,
      version: def.featureVersion,
      protocol: def.protocol,
      seed: def.seed,
      models: def.models,
    },
    'training run started',
  );
  progress('start', `run ${def.runId} started (${def.trigger})`, 0);
  try {
    await ctx.registry.publish(record);

    snapshot = await takeSnapshot({
      kafka: ctx.kafka,
      admin: ctx.admin,
      serde: ctx.serde,
      labels: ctx.labels,
      logger: log,
      featureVersion: def.featureVersion,
      reuse: opts.reuse,
      sink: ctx.sink ?? undefined,
      onOffsetsRecorded: async (recorded) => {
        ends = recorded;
        await opts.onOffsetsRecorded?.(recorded);
      },
      onPhase: (phase, message) => {
        const step = { offsets: 1, features: 2, sink: 3, labels: 4 }[phase];
        progress('snapshot', message, (SNAPSHOT_SHARE * step) / 4);
      },
    });
    Object.assign(phases, {
      snapshot_offsets: snapshot.durationsMs.offsets,
      snapshot_features: snapshot.durationsMs.features,
      sink_wait: snapshot.durationsMs.sinkWait,
      labels: snapshot.durationsMs.labels,
    });
    record = {
      ...record,
      snapshot_offsets: snapshot.id.offsets,
      snapshot_clock: snapshot.id.clock,
      data_sizes: dataSizesOf(snapshot.sizes, null),
      durations_ms: durationsOf(phases, null),
    };
    await ctx.registry.publish(record);
    if (snapshot.labels.length === 0) {
      throw new Error(
        'the snapshot has no labelled interactions (nothing in ClickHouse below its offsets and clock): ' +
          'replay or send events, and run the ClickHouse sink',
      );
    }

    const artifactDir = path.join(modelsDir(ctx.dataDir), def.runId);
    let t = performance.now();
    output = await compute(
      ctx.isolation,
      {
        labels: snapshot.labels,
        userFeatures: [...snapshot.userFeatures],
        itemFeatures: [...snapshot.itemFeatures],
        models: def.models ?? undefined,
        protocol: def.protocol,
        folds: def.folds ?? undefined,
        seed: def.seed,
        params: withMetricCutoff(def.params, def.promotionMetric),
        artifactDir,
      },
      (event) =>
        progress(
          'train',
          event.message,
          SNAPSHOT_SHARE + (TRAIN_SHARE * event.done) / Math.max(1, event.total),
        ),
      log,
    );
    phases.compute = performance.now() - t;
    phases.save = output.saveMs;
    progress('save', `${output.saved.length} model artifact(s) saved`, SNAPSHOT_SHARE + TRAIN_SHARE);

    t = performance.now();
    const promotion = await promote(ctx, def, output, log);
    phases.promote = performance.now() - t;
    phases.total = performance.now() - started;
    progress('promote', promotion.decision.reason, 0.99);

    record = {
      ...record,
      status: 'succeeded',
      data_sizes: dataSizesOf(snapshot.sizes, output.summary),
      metrics: metricsOf(output.summary),
      durations_ms: durationsOf(phases, output.summary),
      served_model: promotion.candidate?.model ?? null,
      promoted: promotion.decision.promote,
      promotion_reason: promotion.decision.reason,
      artifact_path: artifactDir,
      artifact_checksum: output.artifactChecksum,
      finished_at: ctx.now(),
    };
    await ctx.registry.publish(record);
    log.info(
      {
        ms: Math.round(phases.total),
        candidate: promotion.candidate?.model ?? null,
        promoted: record.promoted,
        reason: record.promotion_reason,
      },
      'training run succeeded',
    );
    progress('done', `run ${def.runId} succeeded`, 1);
    return { run: record, ends };
  } catch (err) {
    phases.total = performance.now() - started;
    const message = err instanceof Error ? err.message : String(err);
    log.error({ err }, 'training run failed');
    record = {
      ...record,
      status: 'failed',
      error: message,
      durations_ms: durationsOf(phases, output?.summary ?? null),
      finished_at: ctx.now(),
    };
    try {
      await ctx.registry.publish(record);
    } catch (publishErr) {
      log.error({ err: publishErr }, 'could not publish the failed run');
    }
    progress('done', `run ${def.runId} failed: ${message}`, 1);
    return { run: record, ends: null };
  }
}

interface Promotion {
  candidate: ModelCandidate | null;
  decision: PromotionDecision;
}

/**
 * The run's best model (on the selection metrics: validation, or the cross-validated means) is
 * the candidate; it must beat this run's popularity baseline and the served model's recorded
 * metric. Promoted: the pointer file moves to its artifact, atomically.
 */
async function promote(
  ctx: RunContext,
  def: RunDefinition,
  output: ComputeOutput,
  log: Logger,
): Promise<Promotion> {
  const metric = def.promotionMetric;
  const best = bestModel(output.summary, metric);
  if (!best || best.model === 'global_mean' || best.model === 'popularity') {
    return {
      candidate: null,
      decision: { promote: false, reason: `no trained model of this run has ${metric}` },
    };
  }
  const saved = output.saved.find((s) => s.model === best.model);
  const candidate: ModelCandidate = { model: best.model, runId: def.runId, metrics: selectionMetrics(best) };
  if (!saved) {
    return {
      candidate,
      decision: { promote: false, reason: `${best.model} could not be refitted on every event` },
    };
  }
  const popularity = output.summary.models.find((m) => m.model === 'popularity' && !m.skipped);
  const current = await readPromoted(ctx.dataDir);
  const decision = chooseServedModel(
    current ? { model: current.model, runId: current.run_id, metrics: current.metrics } : null,
    candidate,
    metric,
    { baseline: popularity ? selectionMetrics(popularity) : undefined, minImprovement: ctx.minImprovement },
  );
  if (decision.promote) {
    await writePromoted(ctx.dataDir, {
      run_id: def.runId,
      model: best.model,
      artifact_path: saved.path,
      artifact_checksum: saved.checksum,
      feature_version: def.featureVersion,
      metric,
      metrics: candidate.metrics,
      promoted_at: ctx.now(),
    });
  }
  log.info(
    { candidate: best.model, metric, promote: decision.promote, reason: decision.reason },
    'promotion decided',
  );
  return { candidate, decision };
}

/** A promotion metric at cut-off k (ndcg@20) needs the run's metric tables at that k. */
function withMetricCutoff(params: RunParams, metric: string): RunParams {
  const k = /@(\d+)$/.exec(metric)?.[1];
  if (k === undefined || params.k !== undefined) return params;
  return { ...params, k: Number(k) };
}
