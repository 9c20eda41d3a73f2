import type { TrainingRun } from '../schemas/types.js';
import { MODEL_KINDS, type ModelKind } from './models/index.js';
import type { Protocol } from './run.js';
import type { Trainer } from './trainer.js';

/**
 * The trainer as the API drives it (the shape of api/ports.ts TrainerClient, which training may
 * not import): a request is always accepted — it starts a run, or joins the one queued behind the
 * run in progress — so the answer is the run to follow, `running` or `queued`.
 */

export interface TrainingTriggerRequest {
  /** One model kind to train (besides the popularity baseline); unset: all. */
  model?: string;
  reason?: string;
  protocol?: Protocol;
  folds?: number;
  seed?: number;
}

export interface TrainingTriggerOutcome {
  accepted: true;
  run: TrainingRun;
}

export interface TrainingRunsClient {
  trigger(request: TrainingTriggerRequest): Promise<TrainingTriggerOutcome>;
  listRuns(options: { limit: number }): Promise<TrainingRun[]>;
  getRun(runId: string): Promise<TrainingRun | null>;
}

export function isModelKind(value: string): value is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(value);
}

export function trainerClient(trainer: Trainer): TrainingRunsClient {
  return {
    async trigger(request) {
      if (request.model !== undefined && !isModelKind(request.model))
        throw new RangeError(`unknown model ${request.model} (one of ${MODEL_KINDS.join(', ')})`);
      const ticket = await trainer.requestRun({
        models: request.model ? [request.model as ModelKind] : undefined,
        reason: request.reason,
        protocol: request.protocol,
        folds: request.folds,
        seed: request.seed,
      });
      return { accepted: true, run: ticket.run };
    },
    listRuns: ({ limit }) => Promise.resolve(trainer.listRuns(limit)),
    getRun: (runId) => Promise.resolve(trainer.getRun(runId)),
  };
}
