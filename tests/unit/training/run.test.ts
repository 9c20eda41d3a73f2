import { beforeAll, describe, expect, it } from 'vitest';
import { chooseServedModel } from '../../../training/promotion.js';
import {
  bestModel,
  selectionMetrics,
  trainAndEvaluate,
  type ProgressEvent,
  type TrainingResult,
} from '../../../training/run.js';
import { generateMovieLensShaped, generatePlanted } from '../../../training/synthetic.js';

function ndcg(result: TrainingResult, model: string, part: 'test' | 'validation' = 'test'): number {
  const report = result.models.find((m) => m.model === model);
  const value = report?.[part]?.['ndcg@10'];
  if (typeof value !== 'number') throw new Error(`${model} has no ${part} ndcg@10`);
  return value;
}

describe('on implicit data with planted preference structure', () => {
  const planted = generatePlanted({ users: 600, items: 400, interactions: 30_000, seed: 11 });
  const events: ProgressEvent[] = [];
  let result: TrainingResult;
  beforeAll(() => {
    result = trainAndEvaluate({
      interactions: planted.rows,
      itemFeatures: planted.itemFeatures,
      seed: 1,
      onProgress: (event) => events.push(event),
    });
  }, 120_000);

  it('ALS beats popularity on NDCG@10 (test and validation)', () => {
    expect(ndcg(result, 'als')).toBeGreaterThan(1.5 * ndcg(result, 'popularity'));
    expect(ndcg(result, 'als', 'validation')).toBeGreaterThan(1.5 * ndcg(result, 'popularity', 'validation'));
  });

  it('the ranker beats ALS, its base model, on NDCG@10', () => {
    expect(ndcg(result, 'ranker')).toBeGreaterThan(1.2 * ndcg(result, 'als'));
    expect(ndcg(result, 'ranker', 'validation')).toBeGreaterThan(1.2 * ndcg(result, 'als', 'validation'));
    expect(bestModel(result)?.model).toBe('ranker');
  });

  it('reports every metric, sizes and durations', () => {
    const als = result.models.find((m) => m.model === 'als')!;
    for (const name of ['precision@10', 'recall@10', 'ndcg@10', 'map@10', 'hit_rate@10', 'coverage@10']) {
      expect(als.test[name]).toBeGreaterThan(0);
      expect(als.test[name]).toBeLessThanOrEqual(1);
    }
    expect(als.test.rmse).toBeNull();
    const mf = result.models.find((m) => m.model === 'mf')!;
    expect(mf.test.rmse).toBeGreaterThan(0);
    expect(result.models.map((m) => m.model)).toEqual(['popularity', 'mf', 'als', 'ranker', 'global_mean']);
    const { sizes } = result;
    expect(sizes.interactions).toBe(30_000);
    expect(sizes.train + sizes.validation + sizes.test).toBe(30_000);
    expect(sizes.evaluatedUsers.test).toBeGreaterThan(100);
    expect(result.durationsMs.fit).toBeGreaterThan(0);
    expect(result.fitted.get('ranker')?.kind).toBe('ranker');
  });

  it('reports progress monotonically up to the announced total', () => {
    expect(events.length).toBeGreaterThan(5);
    for (let k = 1; k < events.length; k++) expect(events[k].done).toBe(events[k - 1].done + 1);
    expect(events.at(-1)!.done).toBe(events.at(-1)!.total);
    expect(events.some((e) => e.phase === 'fit' && e.model === 'als')).toBe(true);
  });
});

describe('on explicit ratings with planted preference structure', () => {
  const planted = generatePlanted({
    users: 500,
    items: 400,
    interactions: 30_000,
    seed: 12,
    feedback: 'explicit',
    popularitySkew: 0,
    qualityAttention: 0,
    lifecycles: false,
  });
  let result: TrainingResult;
  beforeAll(() => {
    result = trainAndEvaluate({
      interactions: planted.rows,
      itemFeatures: planted.itemFeatures,
      seed: 1,
      models: ['mf', 'ranker'],
      // Tuned for this small data set: Surprise's defaults (lr 0.005, 20 epochs) barely move the
      // factors from their initialisation on 20k ratings, leaving mostly the biases.
      params: { mf: { nFactors: 16, nEpochs: 50, lrAll: 0.01, regAll: 0.05 }, ranker: { base: 'mf' } },
    });
  }, 120_000);

  it('MF beats popularity on NDCG@10 and the global mean on RMSE', () => {
    expect(ndcg(result, 'mf')).toBeGreaterThan(2 * ndcg(result, 'popularity'));
    const mfRmse = result.models.find((m) => m.model === 'mf')!.test.rmse!;
    const meanRmse = result.models.find((m) => m.model === 'global_mean')!.test.rmse!;
    expect(mfRmse).toBeLessThan(meanRmse - 0.1);
  });

  it('the ranker beats MF, its base model, on NDCG@10', () => {
    expect(ndcg(result, 'ranker')).toBeGreaterThan(1.2 * ndcg(result, 'mf'));
  });
});

describe('reproducibility and protocols', { timeout: 120_000 }, () => {
  const planted = generatePlanted({ users: 150, items: 120, interactions: 6000, seed: 5 });
  const params = { mf: { nFactors: 8, nEpochs: 5 }, als: { factors: 8, iterations: 4 } };
  const run = (seed: number): TrainingResult =>
    trainAndEvaluate({ interactions: planted.rows, itemFeatures: planted.itemFeatures, seed, params });

  it('the same data and seed give the same metrics', () => {
    const metrics = (r: TrainingResult): unknown => r.models.map((m) => [m.model, m.validation, m.test]);
    expect(metrics(run(3))).toEqual(metrics(run(3)));
    expect(metrics(run(3))).not.toEqual(metrics(run(4)));
  });

  it('k-fold reports per-fold metrics, their mean, and every rating tested once', () => {
    const rows = generateMovieLensShaped({ users: 120, items: 200, ratings: 4000, seed: 2 });
    const result = trainAndEvaluate({
      interactions: rows,
      protocol: 'kfold',
      folds: 4,
      seed: 9,
      models: ['mf'],
      params: { mf: { nFactors: 10, nEpochs: 10 } },
    });
    const mf = result.models.find((m) => m.model === 'mf')!;
    expect(mf.folds).toHaveLength(4);
    expect(mf.fitMsPerFold).toHaveLength(4);
    expect(mf.validation).toBeNull();
    const mean = mf.folds!.reduce((s, f) => s + f.rmse!, 0) / 4;
    expect(mf.test.rmse).toBeCloseTo(mean, 12);
    expect(result.sizes.train + result.sizes.test).toBe(4000);
    const mean2 = result.models.find((m) => m.model === 'global_mean')!;
    expect(mf.test.rmse!).toBeLessThan(mean2.test.rmse!);
    // K-fold has no validation split: selection uses the cross-validated means.
    expect(selectionMetrics(mf)).toBe(mf.test);
  });

  it('skips the ranker, with a reason, when its label window has no new pairs', () => {
    // Every user repeats the same item: nothing is new to anyone after the first events.
    const rows = Array.from({ length: 200 }, (_, k) => ({
      user_id: `u${k % 10}`,
      item_id: `i${k % 10}`,
      event_type: 'view' as const,
      rating: null,
      event_time: k * 1000,
    }));
    const result = trainAndEvaluate({
      interactions: rows,
      seed: 1,
      models: ['als', 'ranker'],
      params,
      refit: true,
    });
    expect(result.models.find((m) => m.model === 'ranker')!.skipped).toMatch(/label window/);
    expect(result.fitted.has('ranker')).toBe(false);
    expect(result.fitted.has('als')).toBe(true);
  });

  it('skips MF, with a reason, when there are no explicit ratings', () => {
    const implicitOnly = planted.rows.filter((r) => r.event_type !== 'rate');
    const result = trainAndEvaluate({ interactions: implicitOnly, seed: 1, models: ['mf', 'als'], params });
    expect(result.models.find((m) => m.model === 'mf')!.skipped).toMatch(/no explicit ratings/);
    expect(result.models.some((m) => m.model === 'global_mean')).toBe(false);
  });
});

describe('chooseServedModel', () => {
  const served = { model: 'als', runId: 'r1', metrics: { 'ndcg@10': 0.2, rmse: 0.95 } };

  it('refuses a worse or equal model and promotes a better one', () => {
    expect(chooseServedModel(served, { model: 'mf', metrics: { 'ndcg@10': 0.15 } }).promote).toBe(false);
    expect(chooseServedModel(served, { model: 'mf', metrics: { 'ndcg@10': 0.2 } }).promote).toBe(false);
    const better = chooseServedModel(served, { model: 'ranker', metrics: { 'ndcg@10': 0.25 } });
    expect(better.promote).toBe(true);
    expect(better.reason).toMatch(/beats the served als/);
  });

  it('treats error metrics as lower-is-better', () => {
    expect(chooseServedModel(served, { model: 'mf', metrics: { rmse: 0.93 } }, 'rmse').promote).toBe(true);
    expect(chooseServedModel(served, { model: 'mf', metrics: { rmse: 0.97 } }, 'rmse').promote).toBe(false);
  });

  it('requires beating the popularity baseline, a metric value, and the configured margin', () => {
    const candidate = { model: 'als', metrics: { 'ndcg@10': 0.1 } };
    expect(chooseServedModel(null, candidate).promote).toBe(true);
    const decision = chooseServedModel(null, candidate, 'ndcg@10', { baseline: { 'ndcg@10': 0.12 } });
    expect(decision.promote).toBe(false);
    expect(decision.reason).toMatch(/popularity baseline/);
    expect(chooseServedModel(null, { model: 'als', metrics: { 'ndcg@10': null } }).promote).toBe(false);
    expect(
      chooseServedModel(served, { model: 'ranker', metrics: { 'ndcg@10': 0.205 } }, 'ndcg@10', {
        minImprovement: 0.01,
      }).promote,
    ).toBe(false);
  });
});
