import Table from 'cli-table3';
import type { TrainingRun } from '../../schemas/types.js';
import { metricTableOf } from '../../training/runs/record.js';

/** The end of `recostream train`: the run's metric table and outcome, for a terminal. */

const style = { head: [] as string[], border: [] as string[] };
const METRIC_ORDER = ['rmse', 'mae', 'precision@', 'recall@', 'ndcg@', 'map@', 'hit_rate@', 'coverage@'];

function metricRank(name: string): number {
  const i = METRIC_ORDER.findIndex(
    (prefix) => name === prefix || (prefix.endsWith('@') && name.startsWith(prefix)),
  );
  return i < 0 ? METRIC_ORDER.length : i;
}

function show(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(4);
}

/** One row per model and split (validation and test; k-fold: the mean over folds as `test`). */
export function metricTable(run: TrainingRun): string {
  const table = metricTableOf(run);
  const names = [...new Set(run.metrics.map((m) => m.metric))].sort(
    (a, b) => metricRank(a) - metricRank(b) || a.localeCompare(b),
  );
  const out = new Table({ head: ['model', 'split', ...names], style });
  for (const [model, splits] of table) {
    for (const split of ['validation', 'test']) {
      const values = splits.get(split);
      if (!values) continue;
      const label = run.protocol === 'kfold' && split === 'test' ? `${split} (mean of folds)` : split;
      out.push([model, label, ...names.map((n) => show(values[n]))]);
    }
  }
  return out.toString();
}

export function runSummary(run: TrainingRun): string {
  const lines: string[] = [];
  const seconds = run.finished_at === null ? null : ((run.finished_at - run.started_at) / 1000).toFixed(1);
  lines.push(
    `run ${run.run_id}: ${run.status}${seconds === null ? '' : ` in ${seconds} s`} (trigger ${run.trigger}, ` +
      `protocol ${run.protocol}, seed ${run.seed}, features ${run.feature_version})`,
  );
  if (run.snapshot_offsets.length > 0 || run.snapshot_clock !== null) {
    const clock = run.snapshot_clock === null ? 'none' : new Date(run.snapshot_clock).toISOString();
    const sizes = run.data_sizes;
    lines.push(
      `snapshot: clock ${clock}; ${sizes.labels ?? 0} labelled interactions, ${sizes.user_features ?? 0} user and ` +
        `${sizes.item_features ?? 0} item feature records`,
    );
  }
  if (run.metrics.length > 0) lines.push(metricTable(run));
  if (run.status === 'failed') lines.push(`error: ${run.error ?? 'unknown'}`);
  if (run.status === 'succeeded') {
    lines.push(
      run.promoted
        ? `promoted: ${run.served_model} now serves recommendations (${run.promotion_reason})`
        : `not promoted: ${run.promotion_reason ?? 'no candidate'}`,
    );
    if (run.artifact_path) lines.push(`artifacts: ${run.artifact_path} (sha256 ${run.artifact_checksum})`);
  }
  return lines.join('\n') + '\n';
}
