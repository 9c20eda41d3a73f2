import type { TrainingRun } from './api-types.js';

/** One finished run as the training chart plots it. */
export interface TrainingPoint {
  run_id: string;
  /** When the run finished (epoch ms). */
  at: number;
  model: string | null;
  ndcg10: number | null;
  rmse: number | null;
  /** Which model the RMSE is of (the served one, or the best rating model when it has none). */
  rmseModel: string | null;
  promoted: boolean;
}

const SPLIT = 'test';

function metricOf(run: TrainingRun, model: string, metric: string): number | null {
  return (
    run.metrics.find((m) => m.model === model && m.split === SPLIT && m.metric === metric)?.value ?? null
  );
}

/**
 * Succeeded runs, oldest first, with the served model's NDCG@10 on the test split and an RMSE:
 * the served model's when it predicts ratings, else the lowest of the run's rating models (a
 * ranking model such as ALS has no RMSE).
 */
export function trainingPoints(runs: readonly TrainingRun[]): TrainingPoint[] {
  return runs
    .filter((r) => r.status === 'succeeded')
    .map((run) => {
      const model = run.served_model;
      let rmse = model ? metricOf(run, model, 'rmse') : null;
      let rmseModel = rmse === null ? null : model;
      if (rmse === null) {
        for (const m of run.metrics) {
          if (m.split === SPLIT && m.metric === 'rmse' && (rmse === null || m.value < rmse)) {
            rmse = m.value;
            rmseModel = m.model;
          }
        }
      }
      return {
        run_id: run.run_id,
        at: run.finished_at ?? run.started_at,
        model,
        ndcg10: model ? metricOf(run, model, 'ndcg@10') : null,
        rmse,
        rmseModel,
        promoted: run.promoted,
      };
    })
    .sort((a, b) => a.at - b.at || a.run_id.localeCompare(b.run_id));
}
