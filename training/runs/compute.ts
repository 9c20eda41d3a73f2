import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../lib/logger.js';
import type { FeatureRecord, InteractionRow } from '../dataset.js';
import { checksumArtifact, type ModelKind } from '../models/index.js';
import {
  trainAndEvaluate,
  type ProgressEvent,
  type Protocol,
  type RunParams,
  type TrainingResult,
} from '../run.js';

/**
 * The CPU-bound part of a run — fit, evaluate, refit on every event, save the artifacts — as one
 * function of plain data, so that it can run on a worker thread (worker.ts) while the process
 * keeps serving, consuming and heart-beating, or inline (tests, benchmarks).
 */

export interface ComputeInput {
  labels: InteractionRow[];
  /** Feature records as entries (sorted by id; maps do not cross threads cheaply). */
  userFeatures: [string, FeatureRecord][];
  itemFeatures: [string, FeatureRecord][];
  models?: ModelKind[];
  protocol: Protocol;
  folds?: number;
  seed: number;
  params: RunParams;
  /** DATA_DIR/models/<run_id>: every refitted model is saved in <artifactDir>/<kind>. */
  artifactDir: string;
}

/** What a run's computation reports: the metric table and sizes without the models themselves. */
export type RunSummary = Omit<TrainingResult, 'fitted' | 'dataset'>;

export interface SavedModel {
  model: ModelKind;
  path: string;
  /** SHA-256 of the model's directory (training/models/artifact.ts checksumArtifact). */
  checksum: string;
}

export interface ComputeOutput {
  summary: RunSummary;
  saved: SavedModel[];
  /** SHA-256 of the whole run directory. */
  artifactChecksum: string;
  saveMs: number;
}

export async function computeRun(
  input: ComputeInput,
  onProgress: (event: ProgressEvent) => void,
  logger: Logger,
): Promise<ComputeOutput> {
  const result = trainAndEvaluate({
    interactions: input.labels,
    userFeatures: new Map(input.userFeatures),
    itemFeatures: new Map(input.itemFeatures),
    protocol: input.protocol,
    folds: input.folds,
    models: input.models,
    seed: input.seed,
    params: input.params,
    // Serve a model fitted on every event of the snapshot, not only on its training part.
    refit: true,
    onProgress,
    logger,
  });
  const started = performance.now();
  // A directory left by an earlier attempt of the same run id would mix into the checksum.
  await rm(input.artifactDir, { recursive: true, force: true });
  await mkdir(input.artifactDir, { recursive: true });
  const saved: SavedModel[] = [];
  for (const [kind, model] of [...result.fitted].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const dir = path.join(input.artifactDir, kind);
    await model.save(dir);
    saved.push({ model: kind, path: dir, checksum: await checksumArtifact(dir) });
  }
  const artifactChecksum = await checksumArtifact(input.artifactDir);
  const saveMs = performance.now() - started;
  logger.info(
    { models: saved.length, dir: input.artifactDir, ms: Math.round(saveMs) },
    'model artifacts saved',
  );
  const { fitted: _fitted, dataset: _dataset, ...summary } = result;
  return { summary, saved, artifactChecksum, saveMs };
}
