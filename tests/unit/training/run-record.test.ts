import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../training/runs/compute.js';
import {
  dataSizesOf,
  durationsOf,
  isPromotionMetric,
  metricsOf,
  metricTableOf,
  newRunId,
  paramsMap,
  startedRecord,
  type RunDefinition,
} from '../../../training/runs/record.js';
import { labelSql } from '../../../training/snapshot/labels.js';
import { fromRecordOffsets, toRecordOffsets } from '../../../training/snapshot/offsets.js';

const def: RunDefinition = {
  runId: 'run-x',
  trigger: 'manual',
  featureVersion: 'v2',
  protocol: 'kfold',
  folds: 2,
  seed: 9,
  models: ['mf'],
  params: { mf: { nFactors: 8 } },
  promotionMetric: 'rmse',
  reason: 'why not',
};

const summary: RunSummary = {
  protocol: 'kfold',
  folds: 2,
  seed: 9,
  k: 10,
  params: {},
  sizes: {
    users: 3,
    items: 4,
    interactions: 10,
    ratings: 10,
    train: 5,
    validation: 0,
    test: 5,
    evaluatedUsers: { validation: 0, test: 4 },
    skippedColdUsers: 1,
  },
  durationsMs: { prepare: 1, split: 1, fit: 10, evaluate: 5, refit: 3, total: 20 },
  models: [
    {
      model: 'mf',
      validation: null,
      test: { rmse: 0.9, 'ndcg@10': null },
      folds: [
        { rmse: 0.8, 'ndcg@10': null },
        { rmse: 1.0, 'ndcg@10': null },
      ],
      fitMs: 8,
      fitMsPerFold: [4, 4],
      fitCpuMs: 8,
      fitCpuMsPerFold: [4, 4],
      evaluateMs: 2,
      evaluateCpuMs: 2,
    },
    {
      model: 'ranker',
      validation: null,
      test: {},
      folds: [],
      fitMs: 0,
      fitMsPerFold: [],
      fitCpuMs: 0,
      fitCpuMsPerFold: [],
      evaluateMs: 0,
      evaluateCpuMs: 0,
      skipped: 'too little data',
    },
  ],
};

describe('run records', () => {
  it('ids sort by start time', () => {
    const a = newRunId(Date.UTC(2024, 0, 1, 12, 0, 0));
    const b = newRunId(Date.UTC(2024, 0, 1, 12, 0, 1));
    expect(a).toMatch(/^run-20240101T120000Z-[0-9a-f]{6}$/);
    expect(a < b).toBe(true);
  });

  it('start as running with the definition JSON-encoded in params', () => {
    const record = startedRecord(def, 42);
    expect(record).toMatchObject({
      run_id: 'run-x',
      status: 'running',
      protocol: 'kfold',
      seed: 9,
      started_at: 42,
    });
    expect(paramsMap(def)).toEqual({
      models: '["mf"]',
      protocol: '"kfold"',
      promotion_metric: '"rmse"',
      params: '{"mf":{"nFactors":8}}',
      folds: '2',
      reason: '"why not"',
    });
  });

  it('carry every finite metric per model and split, folds included, skipped models left out', () => {
    const metrics = metricsOf(summary);
    expect(metrics).toEqual([
      { model: 'mf', split: 'test', metric: 'rmse', value: 0.9 },
      { model: 'mf', split: 'fold-1', metric: 'rmse', value: 0.8 },
      { model: 'mf', split: 'fold-2', metric: 'rmse', value: 1.0 },
    ]);
    const table = metricTableOf({ ...startedRecord(def, 0), metrics });
    expect(table.get('mf')?.get('fold-2')).toEqual({ rmse: 1.0 });
  });

  it('data sizes and durations', () => {
    const sizes = dataSizesOf(
      { userFeatures: 3, itemFeatures: 4, catalogItems: 0, featureRecordsRead: 9, labels: 10 },
      summary,
    );
    expect(sizes).toMatchObject({ user_features: 3, labels: 10, users: 3, test: 5, skipped_cold_users: 1 });
    const durations = durationsOf({ labels: 7.04, total: 40 }, summary);
    expect(durations).toMatchObject({
      labels: 7,
      total: 40,
      compute_total: 20,
      'fit:mf': 8,
      'evaluate:mf': 2,
    });
    expect(durations['fit:ranker']).toBeUndefined();
  });

  it('know which metrics promotion can compare on', () => {
    for (const m of ['rmse', 'mae', 'ndcg@10', 'map@20', 'hit_rate@5', 'coverage@10'])
      expect(isPromotionMetric(m)).toBe(true);
    for (const m of ['auc', 'ndcg', 'ndcg@0', 'rmse@10']) expect(isPromotionMetric(m)).toBe(false);
  });
});

describe('label query', () => {
  const ends = fromRecordOffsets([
    { topic: 'interactions', partition: 1, offset: 20 },
    { topic: 'interactions', partition: 0, offset: 10 },
    { topic: 'interactions', partition: 2, offset: 0 },
    { topic: 'user-features.v1', partition: 0, offset: 5 },
  ]);

  it('bounds the events by the clock and by the snapshot offsets of interactions, in a stable order', () => {
    const sql = labelSql({ clock: 1_700_000_000_000, ends });
    expect(sql).toContain("event_time <= fromUnixTimestamp64Milli(toInt64(1700000000000), 'UTC')");
    expect(sql).toContain(
      'multiIf(kafka_partition = 0, kafka_offset < 10, kafka_partition = 1, kafka_offset < 20, 0)',
    );
    expect(sql).toContain('ORDER BY event_time, event_id');
    expect(sql).toContain('LIMIT 1 BY event_id');
  });

  it('reads nothing when the snapshot holds no interactions', () => {
    expect(labelSql({ clock: null, ends: new Map() })).toContain('WHERE 0');
  });

  it('round-trips offsets through the record form, sorted', () => {
    expect(toRecordOffsets(ends).map((o) => `${o.topic}/${o.partition}`)).toEqual([
      'interactions/0',
      'interactions/1',
      'interactions/2',
      'user-features.v1/0',
    ]);
  });
});
