import { describe, expect, it } from 'vitest';
import type { TrainingRun } from '../../../web/api-types.js';
import { formatDuration, formatFeature, formatNumber, formatTime } from '../../../web/format.js';
import { appendRates, emptyRateSeries } from '../../../web/rate-series.js';
import { trainingPoints } from '../../../web/training-series.js';

/** The dashboard front end's pure parts (the page itself is tested in Chromium, tests/e2e). */

describe('appendRates', () => {
  it('appends polled samples in seconds, zero-fills a new processor and keeps the window', () => {
    let series = appendRates(
      emptyRateSeries(),
      { interval_ms: 1000, capacity: 900, t: [1000, 2000], in: [1, null], processed: { a: [1, 2] } },
      2000,
    );
    expect(series).toEqual({ last: 2000, t: [1, 2], in: [1, null], processed: { a: [1, 2] } });
    series = appendRates(
      series,
      { interval_ms: 1000, capacity: 900, t: [3000, 4000], in: [3, 4], processed: { b: [5, 6] } },
      2500,
    );
    // 4000 - 2500: samples at 2000 ms and later stay.
    expect(series).toEqual({
      last: 4000,
      t: [2, 3, 4],
      in: [null, 3, 4],
      processed: { a: [2, 0, 0], b: [0, 5, 6] },
    });
  });

  it('keeps what it has when a poll brings nothing new', () => {
    const series = appendRates(
      emptyRateSeries(),
      { interval_ms: 1000, capacity: 900, t: [1000], in: [1], processed: {} },
      900_000,
    );
    expect(
      appendRates(series, { interval_ms: 1000, capacity: 900, t: [], in: [], processed: {} }, 900_000),
    ).toEqual(series);
  });
});

const run = (over: Partial<TrainingRun>): TrainingRun => ({
  run_id: 'r',
  status: 'succeeded',
  served_model: 'als',
  promoted: false,
  started_at: 0,
  finished_at: 10,
  metrics: [],
  ...over,
});

describe('trainingPoints', () => {
  it('plots succeeded runs oldest first with the served model’s NDCG@10 and an RMSE', () => {
    const points = trainingPoints([
      run({
        run_id: 'r2',
        finished_at: 200,
        served_model: 'mf',
        promoted: true,
        metrics: [
          { model: 'mf', split: 'test', metric: 'ndcg@10', value: 0.3 },
          { model: 'mf', split: 'validation', metric: 'rmse', value: 0.5 },
          { model: 'mf', split: 'test', metric: 'rmse', value: 0.9 },
        ],
      }),
      run({
        run_id: 'r1',
        finished_at: 100,
        metrics: [
          { model: 'als', split: 'test', metric: 'ndcg@10', value: 0.2 },
          // ALS has no RMSE: the best rating model's is shown, named.
          { model: 'mf', split: 'test', metric: 'rmse', value: 1.1 },
          { model: 'other', split: 'test', metric: 'rmse', value: 1.3 },
        ],
      }),
      run({ run_id: 'r0', status: 'failed' }),
      run({ run_id: 'r3', status: 'running', finished_at: null }),
    ]);
    expect(points).toEqual([
      { run_id: 'r1', at: 100, model: 'als', ndcg10: 0.2, rmse: 1.1, rmseModel: 'mf', promoted: false },
      { run_id: 'r2', at: 200, model: 'mf', ndcg10: 0.3, rmse: 0.9, rmseModel: 'mf', promoted: true },
    ]);
  });
});

describe('format', () => {
  it('formats numbers, times, durations and feature values for display', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(0.123456, 3)).toBe('0.123');
    expect(formatNumber(null)).toBe('–');
    expect(formatTime(Date.UTC(2024, 5, 1, 10, 0, 5, 123))).toBe('2024-06-01 10:00:05 UTC');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(600)).toBe('10.0 min');
    expect(formatDuration(7200)).toBe('2.0 h');
    expect(formatDuration(86400 * 3)).toBe('3.0 d');
    expect(formatFeature('last_event_time', Date.UTC(2024, 0, 2))).toBe('2024-01-02 00:00:00 UTC');
    expect(formatFeature('recent_items', ['i1', 'i2'])).toBe('i1, i2');
    expect(formatFeature('avg_rating', null)).toBe('–');
    expect(formatFeature('favorite_category', 'Books')).toBe('Books');
  });
});
