import type { TrainingRun } from '../../schemas/types.js';
import type { TrainCommandOptions } from './options.js';
import type { RunProgressView } from './progress.js';

/**
 * `recostream train` through a running API (`recostream up`, or `recostream api` wired to a
 * trainer): POST /v1/training/runs, then GET /v1/training/runs/:id until the run is final.
 */

export type ApiAttempt =
  /** Nothing answers at the URL, or the API has no trainer: train in this process instead. */
  { kind: 'unavailable'; reason: string } | { kind: 'accepted'; run: TrainingRun };

interface ErrorBody {
  error?: string;
  reason?: string;
}

export class ApiRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

function headers(apiKey: string | undefined): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  };
}

export async function requestRun(
  baseUrl: string,
  apiKey: string | undefined,
  opts: TrainCommandOptions,
): Promise<ApiAttempt> {
  const body: Record<string, unknown> = {};
  if (opts.model) body.model = opts.model;
  if (opts.reason) body.reason = opts.reason;
  // Sent only when they differ from the command's defaults: otherwise the trainer's own defaults
  // (`recostream trainer --protocol/--folds/--seed`) apply, as for any trigger that leaves them out.
  if (opts.protocol !== 'temporal') body.protocol = opts.protocol;
  if (opts.protocol === 'kfold') body.folds = opts.folds;
  if (opts.seed !== 0) body.seed = opts.seed;
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/v1/training/runs`, {
      method: 'POST',
      headers: headers(apiKey),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return { kind: 'unavailable', reason: `no API at ${baseUrl} (${cause})` };
  }
  const payload = (await response.json().catch(() => ({}))) as ErrorBody & { run?: TrainingRun };
  if (response.status === 202 && payload.run) return { kind: 'accepted', run: payload.run };
  if (response.status === 503)
    return { kind: 'unavailable', reason: payload.reason ?? 'the API has no trainer' };
  throw new ApiRequestError(
    `POST ${baseUrl}/v1/training/runs answered ${response.status}: ${payload.reason ?? payload.error ?? 'no reason given'}`,
  );
}

export async function fetchRun(
  baseUrl: string,
  apiKey: string | undefined,
  runId: string,
): Promise<TrainingRun> {
  const response = await fetch(`${baseUrl}/v1/training/runs/${encodeURIComponent(runId)}`, {
    headers: headers(apiKey),
    signal: AbortSignal.timeout(10_000),
  });
  const payload = (await response.json().catch(() => ({}))) as ErrorBody & TrainingRun;
  if (!response.ok)
    throw new ApiRequestError(
      `GET run ${runId} answered ${response.status}: ${payload.reason ?? payload.error}`,
    );
  return payload;
}

/** Polls until the run is final; the bar shows its status and how long it has taken. */
export async function waitForRemoteRun(
  baseUrl: string,
  apiKey: string | undefined,
  runId: string,
  view: RunProgressView,
  pollMs = 1000,
): Promise<TrainingRun> {
  for (;;) {
    const run = await fetchRun(baseUrl, apiKey, runId);
    if (run.status === 'succeeded' || run.status === 'failed') {
      view.update(1, `run ${runId} ${run.status}`);
      view.stop();
      return run;
    }
    // The API reports states, not fractions: queued, then running (a snapshot once recorded).
    const fraction = run.status === 'queued' ? 0 : run.snapshot_offsets.length > 0 ? 0.2 : 0.05;
    const phase =
      run.status === 'queued'
        ? 'queued behind the run in progress'
        : run.snapshot_offsets.length > 0
          ? `training on ${run.data_sizes.labels ?? 0} interactions`
          : 'taking the snapshot';
    view.update(fraction, phase);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
