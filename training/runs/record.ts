import { randomBytes } from 'node:crypto';
import type { ModelMetric, TrainingRun } from '../../schemas/types.js';
import type { ModelKind } from '../models/index.js';
import type { Protocol, RunParams } from '../run.js';
import type { TriggerReason } from '../trigger/policy.js';
import type { RunSummary } from './compute.js';
import type { SnapshotSizes } from '../snapshot/snapshot.js';

/**
 * The TrainingRun record (schemas/TrainingRun.avsc) of a run as it progresses: `running` when it
 * starts and again once its snapshot is known, then `succeeded` or `failed`. Pure functions; the
 * registry publishes the records.
 */

/**
 * Statuses of the record. `queued` is never published: it is how the trainer answers for a
 * request coalesced into the next run, before that run starts.
 */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export const FINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed']);

export function isFinal(run: TrainingRun): boolean {
  return FINAL_STATUSES.has(run.status);
}

/** `run-<UTC time>-<6 hex>`: unique, and sorts by start time. */
export function newRunId(now: number): string {
  const time = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `run-${time}-${randomBytes(3).toString('hex')}`;
}

export interface RunRequestOptions {
  /** Models to fit (popularity is always added as the baseline); default: all. */
  models?: ModelKind[];
  protocol?: Protocol;
  folds?: number;
  seed?: number;
  params?: RunParams;
  /** Free text recorded with the run (params.reason). */
  reason?: string;
}

export interface RunDefinition {
  runId: string;
  trigger: TriggerReason;
  featureVersion: string;
  protocol: Protocol;
  folds: number | null;
  seed: number;
  models: ModelKind[] | null;
  params: RunParams;
  promotionMetric: string;
  reason?: string;
  /** The run reproduces this snapshot (the run id it was taken from, when known). */
  reproduces?: string;
}

/** The record's params map: each value JSON-encoded. */
export function paramsMap(def: RunDefinition): Record<string, string> {
  const out: Record<string, string> = {
    models: JSON.stringify(def.models ?? 'all'),
    protocol: JSON.stringify(def.protocol),
    promotion_metric: JSON.stringify(def.promotionMetric),
    params: JSON.stringify(def.params),
  };
  if (def.folds !== null) out.folds = JSON.stringify(def.folds);
  if (def.reason !== undefined) out.reason = JSON.stringify(def.reason);
  if (def.reproduces !== undefined) out.reproduces = JSON.stringify(def.reproduces);
  return out;
}

export function startedRecord(
  def: RunDefinition,
  startedAt: number,
  status: RunStatus = 'running',
): TrainingRun {
  return {
    run_id: def.runId,
    trigger: def.trigger,
    status,
    feature_version: def.featureVersion,
    snapshot_offsets: [],
    snapshot_clock: null,
    protocol: def.protocol,
    seed: def.seed,
    data_sizes: {},
    params: paramsMap(def),
    metrics: [],
    durations_ms: {},
    served_model: null,
    promoted: false,
    promotion_reason: null,
    artifact_path: null,
    artifact_checksum: null,
    error: null,
    started_at: startedAt,
    finished_at: null,
  };
}

/**
 * Every metric of every model: `validation` and `test` (temporal), or `test` as the mean over
 * folds and `fold-N` for each fold (k-fold). Missing values (a ranking-only model's RMSE) are
 * left out: the record's values are doubles.
 */
export function metricsOf(summary: RunSummary): ModelMetric[] {
  const out: ModelMetric[] = [];
  const add = (model: string, split: string, table: Record<string, number | null> | null) => {
    if (!table) return;
    for (const [metric, value] of Object.entries(table))
      if (value !== null && Number.isFinite(value)) out.push({ model, split, metric, value });
  };
  for (const report of summary.models) {
    if (report.skipped) continue;
    add(report.model, 'validation', report.validation);
    add(report.model, 'test', report.test);
    report.folds?.forEach((table, f) => add(report.model, `fold-${f + 1}`, table));
  }
  return out;
}

/** Counts of the snapshot and of the run's splits, for the record's data_sizes. */
export function dataSizesOf(snapshot: SnapshotSizes, summary: RunSummary | null): Record<string, number> {
  const out: Record<string, number> = {
    user_features: snapshot.userFeatures,
    item_features: snapshot.itemFeatures,
    catalog_items: snapshot.catalogItems,
    feature_records_read: snapshot.featureRecordsRead,
    labels: snapshot.labels,
  };
  if (summary) {
    const s = summary.sizes;
    Object.assign(out, {
      users: s.users,
      items: s.items,
      interactions: s.interactions,
      ratings: s.ratings,
      train: s.train,
      validation: s.validation,
      test: s.test,
      evaluated_users_validation: s.evaluatedUsers.validation,
      evaluated_users_test: s.evaluatedUsers.test,
      skipped_cold_users: s.skippedColdUsers,
    });
  }
  return out;
}

/** Phase durations plus each model's fit and evaluation time (`fit:<model>`, `evaluate:<model>`). */
export function durationsOf(
  phases: Record<string, number>,
  summary: RunSummary | null,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (summary) {
    // The computation's own phases; its `total` is the computation's, kept as compute_total.
    for (const [phase, ms] of Object.entries(summary.durationsMs))
      out[phase === 'total' ? 'compute_total' : phase] = round(ms);
    for (const report of summary.models) {
      if (report.skipped) continue;
      if (report.model !== 'global_mean') out[`fit:${report.model}`] = round(report.fitMs);
      out[`evaluate:${report.model}`] = round(report.evaluateMs);
    }
  }
  for (const [phase, ms] of Object.entries(phases)) out[phase] = round(ms);
  return out;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** The metric table of a run record: model -> split -> metric -> value. */
export function metricTableOf(run: TrainingRun): Map<string, Map<string, Record<string, number>>> {
  const table = new Map<string, Map<string, Record<string, number>>>();
  for (const m of run.metrics) {
    let splits = table.get(m.model);
    if (!splits) table.set(m.model, (splits = new Map()));
    let values = splits.get(m.split);
    if (!values) splits.set(m.split, (values = {}));
    values[m.metric] = m.value;
  }
  return table;
}

const PROMOTION_METRIC = /^(?:rmse|mae|(?:precision|recall|ndcg|map|hit_rate|coverage)@[1-9][0-9]*)$/;

/** Whether `name` is a metric of the run's tables that promotion can compare on. */
export function isPromotionMetric(name: string): boolean {
  return PROMOTION_METRIC.test(name);
}
