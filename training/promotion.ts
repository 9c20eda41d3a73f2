import type { MetricTable } from './evaluate.js';

/** A model as promotion sees it: its name, where it came from, and its selection metrics. */
export interface ModelCandidate {
  model: string;
  runId?: string;
  /** Validation metrics (for the k-fold protocol: the cross-validated means). */
  metrics: MetricTable;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

export interface PromotionOptions {
  /** Metrics of the popularity baseline from the candidate's run: the candidate must beat it too. */
  baseline?: MetricTable;
  /** Required margin over the current model, in the metric's units (default 0: strictly better). */
  minImprovement?: number;
}

/** Error metrics are better when lower; every ranking metric is better when higher. */
export function lowerIsBetter(metric: string): boolean {
  return metric === 'rmse' || metric === 'mae';
}

/**
 * Whether `candidate` should replace `current` as the served model: only when its `metric` is a
 * number, beats the same run's popularity baseline (when given), and beats the current model by
 * more than `minImprovement`. With nothing served yet, the candidate serves if it passes the
 * baseline check. Ties keep the current model: a swap must be earned.
 */
export function chooseServedModel(
  current: ModelCandidate | null,
  candidate: ModelCandidate,
  metric = 'ndcg@10',
  options: PromotionOptions = {},
): PromotionDecision {
  const value = candidate.metrics[metric];
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return { promote: false, reason: `${candidate.model} has no ${metric}` };
  }
  const better = (a: number, b: number, margin = 0): boolean =>
    lowerIsBetter(metric) ? a < b - margin : a > b + margin;
  const show = (x: number): string => x.toFixed(4);
  if (options.baseline) {
    const baseline = options.baseline[metric];
    if (
      baseline !== null &&
      baseline !== undefined &&
      Number.isFinite(baseline) &&
      !better(value, baseline)
    ) {
      return {
        promote: false,
        reason: `${candidate.model} ${metric} ${show(value)} does not beat the popularity baseline ${show(baseline)}`,
      };
    }
  }
  if (current === null)
    return { promote: true, reason: `no model is served; ${candidate.model} ${metric} ${show(value)}` };
  const currentValue = current.metrics[metric];
  if (currentValue === null || currentValue === undefined || !Number.isFinite(currentValue)) {
    return { promote: true, reason: `the served ${current.model} has no ${metric}` };
  }
  const margin = options.minImprovement ?? 0;
  if (better(value, currentValue, margin)) {
    return {
      promote: true,
      reason: `${candidate.model} ${metric} ${show(value)} beats the served ${current.model} ${show(currentValue)}`,
    };
  }
  return {
    promote: false,
    reason: `${candidate.model} ${metric} ${show(value)} does not beat the served ${current.model} ${show(currentValue)}`,
  };
}
