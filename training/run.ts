import type { Logger } from '../lib/logger.js';
import { silentLogger } from '../lib/logger.js';
import {
  buildDataset,
  subsetDataset,
  type Dataset,
  type FeatureRecords,
  type InteractionRow,
  type Interactions,
} from './dataset.js';
import {
  buildRankingTask,
  evaluateRanking,
  evaluateRatings,
  GlobalMeanPredictor,
  toMetricTable,
  type MetricTable,
  type RankingTask,
} from './evaluate.js';
import {
  fitModel,
  isRatingPredictor,
  InsufficientDataError,
  type ModelKind,
  type ModelParams,
  type Recommender,
} from './models/index.js';
import { ImplicitAls } from './models/als.js';
import { MatrixFactorization } from './models/mf.js';
import { RankerModel } from './models/ranker.js';
import { lowerIsBetter } from './promotion.js';
import { Rng } from './random.js';
import { DEFAULT_TEMPORAL_FRACTIONS, kfold, temporalSplit, type TemporalFractions } from './split.js';

/**
 * One training run's computation, with no infrastructure: rows in, fitted models and a metric
 * table out. The trainer daemon wraps it (snapshot in, run record and artifacts out).
 */

export type Protocol = 'temporal' | 'kfold';
export type Phase = 'prepare' | 'split' | 'fit' | 'evaluate' | 'refit';

export interface ProgressEvent {
  phase: Phase;
  model?: ModelKind | 'global_mean';
  fold?: number;
  /** Steps done and total steps of the whole run (for a progress bar). */
  done: number;
  total: number;
  message: string;
}

export interface RunParams extends ModelParams {
  fractions?: TemporalFractions;
  /** Ranking cut-off k (metrics are named `ndcg@k` etc.). */
  k?: number;
  relevanceThreshold?: number;
  coldUsers?: 'skip' | 'include';
  /**
   * Evaluate at most this many users per split (a seeded sample; every item is still ranked
   * for each). Unset: every user with a relevant test item.
   */
  maxEvalUsers?: number;
}

export interface TrainAndEvaluateInput {
  /** The label events, or an already built data set. */
  interactions: Iterable<InteractionRow> | Dataset;
  userFeatures?: FeatureRecords;
  itemFeatures?: FeatureRecords;
  protocol?: Protocol;
  /** K of the k-fold protocol (default 5). */
  folds?: number;
  /** Models to fit; the popularity baseline is always added, and global mean whenever there are ratings. */
  models?: ModelKind[];
  seed?: number;
  params?: RunParams;
  /** Also fit the models on every event for serving (returned as `fitted`). */
  refit?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  logger?: Logger;
}

export interface ModelReport {
  model: ModelKind | 'global_mean';
  /** Temporal protocol: metrics on the validation split (what promotion compares). */
  validation: MetricTable | null;
  /** Temporal: metrics on the test split. K-fold: the mean over folds. */
  test: MetricTable;
  /** K-fold: each fold's metrics. */
  folds: MetricTable[] | null;
  /** Fit time (wall clock): temporal, the one fit; k-fold, the sum over folds. */
  fitMs: number;
  fitMsPerFold: number[] | null;
  /**
   * CPU time of the fits (user + system of this process): on a shared or overloaded machine the
   * wall clock includes time the process was not running; this does not.
   */
  fitCpuMs: number;
  fitCpuMsPerFold: number[] | null;
  evaluateMs: number;
  evaluateCpuMs: number;
  /** Why a requested model was not fitted (e.g. MF without explicit ratings). */
  skipped?: string;
}

export interface DataSizes {
  users: number;
  items: number;
  interactions: number;
  ratings: number;
  train: number;
  validation: number;
  test: number;
  /** Users evaluated on the validation and test splits (k-fold: summed over folds). */
  evaluatedUsers: { validation: number; test: number };
  skippedColdUsers: number;
}

export interface TrainingResult {
  protocol: Protocol;
  folds: number | null;
  seed: number;
  k: number;
  models: ModelReport[];
  sizes: DataSizes;
  params: RunParams;
  durationsMs: {
    prepare: number;
    split: number;
    fit: number;
    evaluate: number;
    refit: number;
    total: number;
  };
  /** Fitted models: on the training part (temporal) or on every event (`refit`); k-fold without refit: none. */
  fitted: Map<ModelKind, Recommender>;
  /** The data set the models index into (id maps, features). */
  dataset: Dataset;
}

const DEFAULT_MODELS: readonly ModelKind[] = ['popularity', 'mf', 'als', 'ranker'];

export function trainAndEvaluate(input: TrainAndEvaluateInput): TrainingResult {
  const started = performance.now();
  const log = input.logger ?? silentLogger;
  const seed = input.seed ?? 0;
  const protocol = input.protocol ?? 'temporal';
  const params: RunParams = input.params ?? {};
  const k = params.k ?? 10;
  const requested = input.models ?? DEFAULT_MODELS;
  const kinds: ModelKind[] = ['popularity', ...requested.filter((m) => m !== 'popularity')];
  // Ranker reuses the run's own base model when its params are the run's.
  const modelParams: ModelParams = {
    ...params,
    ranker: {
      als: params.als ?? {},
      mf: params.mf ?? {},
      // The ranker learns the same notion of "relevant" that the run evaluates.
      ...(params.relevanceThreshold !== undefined ? { relevanceThreshold: params.relevanceThreshold } : {}),
      ...params.ranker,
    },
  };

  let t = performance.now();
  const dataset = isDataset(input.interactions)
    ? input.interactions
    : buildDataset(input.interactions, {
        userFeatures: input.userFeatures,
        itemFeatures: input.itemFeatures,
      });
  const prepareMs = performance.now() - t;
  const ratings = countRatings(dataset.interactions);
  const hasRatings = ratings > 0;
  log.info(
    {
      users: dataset.users.size,
      items: dataset.items.size,
      interactions: dataset.interactions.length,
      ratings,
      ms: Math.round(prepareMs),
    },
    'training data prepared',
  );

  const foldCount = protocol === 'kfold' ? (input.folds ?? 5) : 1;
  const evaluatedKinds = [...kinds, ...(hasRatings ? (['global_mean'] as const) : [])];
  const stepsPerFold = kinds.length + evaluatedKinds.length;
  const total = 2 + foldCount * stepsPerFold + (input.refit ? kinds.length : 0);
  let done = 0;
  const progress = (event: Omit<ProgressEvent, 'done' | 'total'>, advance = 1): void => {
    done += advance;
    input.onProgress?.({ ...event, done, total });
  };
  progress({ phase: 'prepare', message: `${dataset.interactions.length} events prepared` });

  t = performance.now();
  const parts =
    protocol === 'temporal'
      ? [temporalSplit(dataset.interactions, params.fractions ?? DEFAULT_TEMPORAL_FRACTIONS)]
      : kfold(dataset.interactions.length, foldCount, seed).map((fold) => ({
          train: fold.train,
          validation: new Int32Array(0),
          test: fold.test,
        }));
  const splitMs = performance.now() - t;
  progress({ phase: 'split', message: `${protocol} split into ${parts.length} part(s)` });

  const reports = new Map<ModelKind | 'global_mean', ModelReport>();
  for (const kind of evaluatedKinds) {
    reports.set(kind, {
      model: kind,
      validation: null,
      test: {},
      folds: protocol === 'kfold' ? [] : null,
      fitMs: 0,
      fitMsPerFold: protocol === 'kfold' ? [] : null,
      fitCpuMs: 0,
      fitCpuMsPerFold: protocol === 'kfold' ? [] : null,
      evaluateMs: 0,
      evaluateCpuMs: 0,
    });
  }
  const sizes: DataSizes = {
    users: dataset.users.size,
    items: dataset.items.size,
    interactions: dataset.interactions.length,
    ratings,
    train: parts[0].train.length,
    validation: parts[0].validation.length,
    test: parts[0].test.length,
    evaluatedUsers: { validation: 0, test: 0 },
    skippedColdUsers: 0,
  };
  const fitted = new Map<ModelKind, Recommender>();
  let fitMs = 0;
  let evaluateMs = 0;

  for (let f = 0; f < parts.length; f++) {
    const part = parts[f];
    const fold = protocol === 'kfold' ? f : undefined;
    const train = subsetDataset(dataset, part.train);
    const validation = subsetDataset(dataset, part.validation).interactions;
    const test = subsetDataset(dataset, part.test).interactions;
    const rng = new Rng(seed + 7919 * (f + 1));
    const taskOptions = { relevanceThreshold: params.relevanceThreshold, coldUsers: params.coldUsers };
    const makeTask = (target: Interactions): RankingTask =>
      sampleUsers(
        buildRankingTask(train.interactions, target, dataset.users.size, dataset.items.size, taskOptions),
        params.maxEvalUsers,
        rng,
      );
    const testTask = makeTask(test);
    const validationTask = protocol === 'temporal' ? makeTask(validation) : null;
    sizes.evaluatedUsers.test += testTask.users.length;
    sizes.evaluatedUsers.validation += validationTask?.users.length ?? 0;
    sizes.skippedColdUsers += testTask.skippedColdUsers;

    const foldModels = new Map<ModelKind, Recommender>();
    for (const kind of kinds) {
      const report = reports.get(kind)!;
      if (kind === 'mf' && !hasRatings) {
        report.skipped = 'no explicit ratings in the data';
        progress({ phase: 'fit', model: kind, fold, message: `mf skipped: ${report.skipped}` });
        continue;
      }
      if (kind === 'ranker' && (modelParams.ranker?.base ?? 'als') === 'mf' && !hasRatings) {
        report.skipped = 'ranker base mf needs explicit ratings';
        progress({ phase: 'fit', model: kind, fold, message: `ranker skipped: ${report.skipped}` });
        continue;
      }
      t = performance.now();
      const cpuBefore = process.cpuUsage();
      let model: Recommender;
      try {
        model = fitInRun(kind, train, modelParams, seed, foldModels);
      } catch (error) {
        if (!(error instanceof InsufficientDataError)) throw error;
        report.skipped = error.message;
        log.warn({ model: kind, fold, reason: error.message }, 'model skipped');
        progress({ phase: 'fit', model: kind, fold, message: `${kind} skipped: ${error.message}` });
        continue;
      }
      const ms = performance.now() - t;
      const cpu = process.cpuUsage(cpuBefore);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      fitMs += ms;
      report.fitMs += ms;
      report.fitMsPerFold?.push(ms);
      report.fitCpuMs += cpuMs;
      report.fitCpuMsPerFold?.push(cpuMs);
      foldModels.set(kind, model);
      log.info({ model: kind, fold, events: train.interactions.length, ms: Math.round(ms) }, 'model fitted');
      progress({ phase: 'fit', model: kind, fold, message: `${kind} fitted in ${Math.round(ms)} ms` });
    }

    for (const kind of evaluatedKinds) {
      const report = reports.get(kind)!;
      if (report.skipped) {
        progress({ phase: 'evaluate', model: kind, fold, message: `${kind} skipped` });
        continue;
      }
      t = performance.now();
      const evaluateCpuBefore = process.cpuUsage();
      let testTable: MetricTable;
      let validationTable: MetricTable | null = null;
      if (kind === 'global_mean') {
        const mean = GlobalMeanPredictor.fit(train.interactions);
        testTable = toMetricTable(null, evaluateRatings(mean, test), k);
        if (protocol === 'temporal')
          validationTable = toMetricTable(null, evaluateRatings(mean, validation), k);
      } else {
        const model = foldModels.get(kind)!;
        const ratingModel = isRatingPredictor(model) ? model : null;
        testTable = toMetricTable(
          evaluateRanking(model, testTask, k),
          ratingModel ? evaluateRatings(ratingModel, test) : null,
          k,
        );
        if (validationTask) {
          validationTable = toMetricTable(
            evaluateRanking(model, validationTask, k),
            ratingModel ? evaluateRatings(ratingModel, validation) : null,
            k,
          );
        }
      }
      const ms = performance.now() - t;
      const evaluateCpu = process.cpuUsage(evaluateCpuBefore);
      evaluateMs += ms;
      report.evaluateMs += ms;
      report.evaluateCpuMs += (evaluateCpu.user + evaluateCpu.system) / 1000;
      if (protocol === 'kfold') report.folds!.push(testTable);
      else {
        report.test = testTable;
        report.validation = validationTable;
      }
      log.info({ model: kind, fold, metrics: testTable, ms: Math.round(ms) }, 'model evaluated');
      progress({
        phase: 'evaluate',
        model: kind,
        fold,
        message: `${kind} evaluated in ${Math.round(ms)} ms`,
      });
    }
    if (protocol === 'temporal' && !input.refit)
      for (const [kind, model] of foldModels) fitted.set(kind, model);
  }
  if (protocol === 'kfold')
    for (const report of reports.values()) report.test = meanTable(report.folds ?? []);

  let refitMs = 0;
  if (input.refit) {
    const fullModels = new Map<ModelKind, Recommender>();
    for (const kind of kinds) {
      if (reports.get(kind)?.skipped) continue;
      t = performance.now();
      let model: Recommender;
      try {
        model = fitInRun(kind, dataset, modelParams, seed, fullModels);
      } catch (error) {
        if (!(error instanceof InsufficientDataError)) throw error;
        progress({ phase: 'refit', model: kind, message: `${kind} skipped: ${error.message}` });
        continue;
      }
      fullModels.set(kind, model);
      fitted.set(kind, model);
      const ms = performance.now() - t;
      refitMs += ms;
      progress({
        phase: 'refit',
        model: kind,
        message: `${kind} refitted on all events in ${Math.round(ms)} ms`,
      });
    }
  }
  const totalMs = performance.now() - started;
  log.info(
    { ms: Math.round(totalMs), fitMs: Math.round(fitMs), evaluateMs: Math.round(evaluateMs) },
    'training run computed',
  );
  return {
    protocol,
    folds: protocol === 'kfold' ? foldCount : null,
    seed,
    k,
    models: [...reports.values()],
    sizes,
    params,
    durationsMs: {
      prepare: prepareMs,
      split: splitMs,
      fit: fitMs,
      evaluate: evaluateMs,
      refit: refitMs,
      total: totalMs,
    },
    fitted,
    dataset,
  };
}

/** Fits `kind`, handing the ranker this run's own ALS/MF when that is its base. */
function fitInRun(
  kind: ModelKind,
  data: Dataset,
  params: ModelParams,
  seed: number,
  already: Map<ModelKind, Recommender>,
): Recommender {
  if (kind === 'ranker') {
    const rankerParams = { seed, ...params.ranker };
    const baseKind = rankerParams.base ?? 'als';
    const base = already.get(baseKind);
    if (base instanceof ImplicitAls || base instanceof MatrixFactorization)
      return RankerModel.fit(data, rankerParams, base);
  }
  return fitModel(kind, data, params, seed);
}

/** The selection metrics of a report: validation when there is one, else the (cross-validated) test metrics. */
export function selectionMetrics(report: ModelReport): MetricTable {
  return report.validation ?? report.test;
}

/** The best fitted model of a run on `metric` (popularity and global mean excluded), or null. */
export function bestModel(result: Pick<TrainingResult, 'models'>, metric = 'ndcg@10'): ModelReport | null {
  let best: ModelReport | null = null;
  for (const report of result.models) {
    if (report.model === 'popularity' || report.model === 'global_mean' || report.skipped) continue;
    const value = selectionMetrics(report)[metric];
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    const bestValue = best ? selectionMetrics(best)[metric]! : null;
    if (bestValue === null || (lowerIsBetter(metric) ? value < bestValue : value > bestValue)) best = report;
  }
  return best;
}

function isDataset(value: Iterable<InteractionRow> | Dataset): value is Dataset {
  return typeof value === 'object' && value !== null && 'interactions' in value && 'users' in value;
}

function countRatings(interactions: Interactions): number {
  let n = 0;
  for (let e = 0; e < interactions.length; e++) if (!Number.isNaN(interactions.rating[e])) n++;
  return n;
}

function sampleUsers(task: RankingTask, max: number | undefined, rng: Rng): RankingTask {
  if (max === undefined || task.users.length <= max) return task;
  const users = rng.shuffle(task.users.slice()).subarray(0, max).sort();
  return { ...task, users: users.slice() };
}

/** Mean of each metric over folds (null when any fold lacks it). */
function meanTable(tables: MetricTable[]): MetricTable {
  const out: MetricTable = {};
  if (tables.length === 0) return out;
  for (const name of Object.keys(tables[0])) {
    let sum = 0;
    let valid = true;
    for (const table of tables) {
      const value = table[name];
      if (value === null || value === undefined) valid = false;
      else sum += value;
    }
    out[name] = valid ? sum / tables.length : null;
  }
  return out;
}
