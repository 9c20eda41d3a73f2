import { pino } from 'pino';
import { loadConfig } from '../../lib/config.js';
import type { TrainingRun } from '../../schemas/types.js';
import { isModelKind } from '../../training/trainer-client.js';
import { isPromotionMetric } from '../../training/runs/record.js';
import type { TrainCommandOptions } from './options.js';
import { runSummary } from './output.js';
import { logRunProgress, terminalRunProgress, type RunProgressView } from './progress.js';

interface RawOptions {
  model?: string;
  protocol: string;
  folds: number;
  seed: number;
  metric?: string;
  reason?: string;
  wait: boolean;
  json: boolean;
  api?: string;
  local: boolean;
  sinkTimeout: number;
}

function parse(raw: RawOptions): TrainCommandOptions {
  if (raw.model !== undefined && !isModelKind(raw.model))
    throw new Error(`--model: unknown model ${raw.model}`);
  if (raw.metric !== undefined && !isPromotionMetric(raw.metric))
    throw new Error(`--metric: ${raw.metric} is not a metric (rmse, mae, ndcg@10, precision@10, ...)`);
  return {
    model: raw.model,
    protocol: raw.protocol === 'kfold' ? 'kfold' : 'temporal',
    folds: raw.folds,
    seed: raw.seed,
    metric: raw.metric,
    reason: raw.reason,
    wait: raw.wait,
    json: raw.json,
    api: raw.api?.replace(/\/+$/, ''),
    local: raw.local,
    sinkTimeoutMs: raw.sinkTimeout * 1000,
  };
}

/**
 * `recostream train`: through the API when one with a trainer answers (the run is then the
 * trainer's, coalesced with other requests), else in this process. Logs go to stderr so that
 * `--json` output on stdout stays parseable.
 */
export async function runTrainCommand(raw: RawOptions): Promise<void> {
  const opts = parse(raw);
  const config = loadConfig();
  const bar = process.stderr.isTTY && !process.env.LOG_LEVEL;
  const logger = pino(
    { name: 'recostream-train', level: process.env.LOG_LEVEL ?? (bar ? 'warn' : 'info') },
    pino.destination(2),
  );
  const view: RunProgressView = bar ? terminalRunProgress() : logRunProgress(logger);

  let run: TrainingRun | null = null;
  if (!opts.local) {
    const { requestRun, waitForRemoteRun } = await import('./remote.js');
    const baseUrl = opts.api ?? `http://127.0.0.1:${config.apiPort}`;
    const attempt = await requestRun(baseUrl, config.apiKey, opts);
    if (attempt.kind === 'accepted') {
      logger.info(
        { run: attempt.run.run_id, status: attempt.run.status, api: baseUrl },
        'training run requested',
      );
      run = opts.wait
        ? await waitForRemoteRun(baseUrl, config.apiKey, attempt.run.run_id, view)
        : attempt.run;
    } else if (opts.api !== undefined) {
      throw new Error(`cannot request a run: ${attempt.reason}`);
    } else {
      logger.info({ reason: attempt.reason }, 'training in this process');
    }
  }
  if (!run) {
    const { trainInProcess } = await import('./local.js');
    run = await trainInProcess(config, opts, logger, view);
  }
  view.stop();
  if (opts.json) process.stdout.write(JSON.stringify(run, null, 2) + '\n');
  else if (run.status === 'succeeded' || run.status === 'failed') process.stdout.write(runSummary(run));
  else
    process.stdout.write(
      `run ${run.run_id} ${run.status}; follow it with GET /v1/training/runs/${run.run_id}\n`,
    );
  if (run.status === 'failed') process.exitCode = 1;
}
