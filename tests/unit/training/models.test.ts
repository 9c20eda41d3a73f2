import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataset, subsetDataset, type Dataset } from '../../../training/dataset.js';
import { evaluateRatings, GlobalMeanPredictor } from '../../../training/evaluate.js';
import {
  checksumArtifact,
  fitModel,
  ImplicitAls,
  loadModel,
  MatrixFactorization,
  PopularityModel,
  RankerModel,
  type ModelKind,
  type Recommender,
} from '../../../training/models/index.js';
import { fitLogistic, sigmoid } from '../../../training/models/logistic.js';
import { Rng } from '../../../training/random.js';
import { temporalSplit } from '../../../training/split.js';
import { generatePlanted } from '../../../training/synthetic.js';
import { confidenceWeights } from '../../../training/weights.js';

const SMALL = { users: 150, items: 120, interactions: 6000, seed: 21 };

function bytes(array: Float32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

// Generous timeouts: the suite shares 2 vCPUs with integration tests in CI.
describe('determinism', { timeout: 120_000 }, () => {
  const planted = generatePlanted(SMALL);
  const data = buildDataset(planted.rows, { itemFeatures: planted.itemFeatures });

  it('MF: the same seed gives bit-identical factors; another seed does not', () => {
    const params = { nFactors: 8, nEpochs: 5, seed: 3 };
    const a = MatrixFactorization.fit(data, params);
    const b = MatrixFactorization.fit(data, params);
    expect(bytes(a.userFactors).equals(bytes(b.userFactors))).toBe(true);
    expect(bytes(a.itemFactors).equals(bytes(b.itemFactors))).toBe(true);
    expect(bytes(a.itemBias).equals(bytes(b.itemBias))).toBe(true);
    const c = MatrixFactorization.fit(data, { ...params, seed: 4 });
    expect(bytes(a.itemFactors).equals(bytes(c.itemFactors))).toBe(false);
  });

  it('ALS: the same seed gives bit-identical factors; another seed does not', () => {
    const params = { factors: 8, iterations: 3, seed: 3 };
    const a = ImplicitAls.fit(data, params);
    const b = ImplicitAls.fit(data, params);
    expect(bytes(a.userFactors).equals(bytes(b.userFactors))).toBe(true);
    expect(bytes(a.itemFactors).equals(bytes(b.itemFactors))).toBe(true);
    const c = ImplicitAls.fit(data, { ...params, seed: 4 });
    expect(bytes(a.itemFactors).equals(bytes(c.itemFactors))).toBe(false);
  });
});

describe('save/load', { timeout: 120_000 }, () => {
  const planted = generatePlanted(SMALL);
  const data = buildDataset(planted.rows, { itemFeatures: planted.itemFeatures });
  const params = { mf: { nFactors: 8, nEpochs: 5 }, als: { factors: 8, iterations: 3 } };
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recostream-models-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const kind of ['popularity', 'mf', 'als', 'ranker'] as const satisfies readonly ModelKind[]) {
    it(`${kind}: a saved and loaded model gives identical predictions and a stable checksum`, async () => {
      const model = fitModel(kind, data, params, 5);
      const first = join(dir, `${kind}-1`);
      await model.save(first);
      const loaded: Recommender = await loadModel(first);
      expect(loaded.kind).toBe(kind);
      expect(loaded.items.ids).toEqual(model.items.ids);
      expect(loaded.users.ids).toEqual(model.users.ids);
      const exclude = Int32Array.from([0, 3]);
      for (const user of [0, 7, 42, data.users.size - 1]) {
        expect(bytes(loaded.scoreItems(user, exclude)).equals(bytes(model.scoreItems(user, exclude)))).toBe(
          true,
        );
        expect(loaded.scorePair(user, 5)).toBe(model.scorePair(user, 5));
      }
      // The same data, params and seed produce a byte-identical artifact.
      const second = join(dir, `${kind}-2`);
      await fitModel(kind, data, params, 5).save(second);
      expect(await checksumArtifact(second)).toBe(await checksumArtifact(first));
      if (kind !== 'popularity') {
        const other = join(dir, `${kind}-3`);
        await fitModel(kind, data, params, 6).save(other);
        expect(await checksumArtifact(other)).not.toBe(await checksumArtifact(first));
      }
    }, 60_000);
  }

  it('MF predictions of a loaded model match rating by rating', async () => {
    const model = MatrixFactorization.fit(data, { nFactors: 8, nEpochs: 5 });
    await model.save(join(dir, 'mf-ratings'));
    const loaded = await MatrixFactorization.load(join(dir, 'mf-ratings'));
    for (let e = 0; e < 200; e++) {
      const u = data.interactions.user[e];
      const i = data.interactions.item[e];
      expect(loaded.predictRating(u, i)).toBe(model.predictRating(u, i));
    }
  });
});

describe('popularity', () => {
  it('decays old events by the half-life and can read popularity_score from item features', () => {
    const hour = 3_600_000;
    const data = buildDataset([
      { user_id: 'u', item_id: 'old', event_type: 'purchase', rating: null, event_time: 0 },
      { user_id: 'u', item_id: 'new', event_type: 'view', rating: null, event_time: 48 * hour },
    ]);
    const model = PopularityModel.fit(data, { halfLifeHours: 24 });
    // old: purchase weight 5 · 2^-2 = 1.25; new: view weight 1 · 2^0 = 1.
    expect(model.scorePair(0, data.items.indexOf('old'))).toBeCloseTo(1.25, 6);
    expect(model.scorePair(0, data.items.indexOf('new'))).toBeCloseTo(1, 6);
    const fromFeatures = PopularityModel.fit(
      buildDataset([], { itemFeatures: { a: { popularity_score: 2 }, b: { popularity_score: 7 } } }),
      { source: 'item-features' },
    );
    expect(Array.from(fromFeatures.scoreItems(-1))).toEqual([2, 7]);
  });
});

describe('logistic regression', () => {
  it('recovers the sign and rough size of planted weights and is row-order independent', () => {
    const rng = new Rng(4);
    const n = 4000;
    const X = new Float32Array(n * 2);
    const y = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      const a = rng.normal();
      const b = rng.normal();
      X[r * 2] = a;
      X[r * 2 + 1] = b;
      y[r] = rng.float() < sigmoid(2 * a - 1 * b + 0.5) ? 1 : 0;
    }
    const model = fitLogistic(X, y, 2, { l2: 0 });
    expect(model.weights[0]).toBeGreaterThan(1.6);
    expect(model.weights[0]).toBeLessThan(2.4);
    expect(model.weights[1]).toBeLessThan(-0.7);
    expect(model.weights[1]).toBeGreaterThan(-1.3);
    // The same rows in another order give the same optimum (up to summation rounding).
    const order = Array.from({ length: n }, (_, r) => n - 1 - r);
    const Xr = new Float32Array(n * 2);
    const yr = new Uint8Array(n);
    order.forEach((from, to) => {
      Xr[to * 2] = X[from * 2];
      Xr[to * 2 + 1] = X[from * 2 + 1];
      yr[to] = y[from];
    });
    const reordered = fitLogistic(Xr, yr, 2, { l2: 0 });
    expect(reordered.weights[0]).toBeCloseTo(model.weights[0], 6);
    expect(reordered.weights[1]).toBeCloseTo(model.weights[1], 6);
    expect(reordered.bias).toBeCloseTo(model.bias, 6);
  });
});

/** Planted-structure data, split 70/10/20 by time. */
function planted(kind: 'implicit' | 'explicit'): { data: Dataset; train: Dataset; test: Dataset } {
  const generated =
    kind === 'implicit'
      ? generatePlanted({ users: 600, items: 400, interactions: 30_000, seed: 11 })
      : generatePlanted({
          users: 500,
          items: 400,
          interactions: 30_000,
          seed: 12,
          feedback: 'explicit',
          popularitySkew: 0,
          qualityAttention: 0,
          lifecycles: false,
        });
  const data = buildDataset(generated.rows, { itemFeatures: generated.itemFeatures });
  const split = temporalSplit(data.interactions);
  return { data, train: subsetDataset(data, split.train), test: subsetDataset(data, split.test) };
}

describe('explicit MF', { timeout: 120_000 }, () => {
  it('beats the global-mean predictor on RMSE with default (Surprise SVD) params', () => {
    const { train, test } = planted('explicit');
    const mf = MatrixFactorization.fit(train);
    const mean = GlobalMeanPredictor.fit(train.interactions);
    const mfErrors = evaluateRatings(mf, test.interactions)!;
    const meanErrors = evaluateRatings(mean, test.interactions)!;
    expect(mfErrors.rmse).toBeLessThan(meanErrors.rmse - 0.1);
    expect(mfErrors.mae).toBeLessThan(meanErrors.mae);
  }, 60_000);

  it('a ranker built on MF can be fitted on ratings-only data', () => {
    const { train } = planted('explicit');
    const ranker = RankerModel.fit(train, { base: 'mf', mf: { nFactors: 8, nEpochs: 10 } });
    expect(ranker.base).toBeInstanceOf(MatrixFactorization);
    expect(ranker.summary.positives).toBeGreaterThan(100);
    expect(ranker.summary.negatives).toBe(4 * ranker.summary.positives);
  }, 60_000);
});

describe('recommend', { timeout: 120_000 }, () => {
  it('returns top-k item ids, honours exclusions, and falls back for unknown users', async () => {
    const { recommend } = await import('../../../training/recommend.js');
    const generated = generatePlanted(SMALL);
    const data = buildDataset(generated.rows);
    const als = ImplicitAls.fit(data, { factors: 8, iterations: 3 });
    const popularity = PopularityModel.fit(data);
    const userId = data.users.idAt(0);
    const top = recommend(als, userId, 5);
    expect(top).toHaveLength(5);
    for (let r = 1; r < top.length; r++) expect(top[r].score).toBeLessThanOrEqual(top[r - 1].score);
    const without = recommend(als, userId, 5, { exclude: [top[0].item_id] });
    expect(without.map((r) => r.item_id)).not.toContain(top[0].item_id);
    expect(without[0].item_id).toBe(top[1].item_id);
    expect(recommend(als, 'nobody', 3)).toEqual([]);
    expect(recommend(als, 'nobody', 3, { fallback: popularity }).map((r) => r.item_id)).toEqual(
      recommend(popularity, userId, 3).map((r) => r.item_id),
    );
  });
});

describe('implicit ALS', { timeout: 120_000 }, () => {
  it('decreases the weighted implicit loss at every sweep', () => {
    const generated = generatePlanted(SMALL);
    const data = buildDataset(generated.rows);
    const { user, item } = data.interactions;
    const alpha = 1;
    const lambda = 0.05;
    // Summed confidence weights per cell, densely (150 × 120 is small).
    const nU = data.users.size;
    const nI = data.items.size;
    const weights = new Float64Array(nU * nI);
    const eventWeights = confidenceWeights(data.interactions);
    for (let k = 0; k < data.interactions.length; k++) weights[user[k] * nI + item[k]] += eventWeights[k];
    const loss = (model: ImplicitAls): number => {
      const f = model.params.factors;
      let total = 0;
      for (let u = 0; u < nU; u++) {
        for (let i = 0; i < nI; i++) {
          const w = weights[u * nI + i];
          const preference = w > 0 ? 1 : 0;
          let dot = 0;
          for (let d = 0; d < f; d++) dot += model.userFactors[u * f + d] * model.itemFactors[i * f + d];
          total += (1 + alpha * w) * (preference - dot) ** 2;
        }
      }
      let norms = 0;
      for (const v of model.userFactors) norms += v * v;
      for (const v of model.itemFactors) norms += v * v;
      return total + lambda * norms;
    };
    const losses = [1, 2, 3, 5, 8].map((iterations) =>
      loss(
        ImplicitAls.fit(data, { factors: 6, iterations, cgSteps: 6, alpha, regularization: lambda, seed: 2 }),
      ),
    );
    for (let k = 1; k < losses.length; k++) expect(losses[k]).toBeLessThan(losses[k - 1]);
    // And far below the loss of predicting 0 everywhere (the random start is ~that).
    let zeroLoss = 0;
    for (const w of weights) if (w > 0) zeroLoss += 1 + alpha * w;
    expect(losses.at(-1)!).toBeLessThan(0.8 * zeroLoss);
  });
});
