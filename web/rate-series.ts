import type { Timeseries } from './api-types.js';

/** The chart's columns: x in seconds (what uPlot's time axis takes) and one array per series. */
export interface RateSeries {
  /** Epoch ms of the newest sample, for the next `?since=`. */
  last: number | null;
  t: number[];
  in: (number | null)[];
  processed: Record<string, number[]>;
}

export function emptyRateSeries(): RateSeries {
  return { last: null, t: [], in: [], processed: {} };
}

/**
 * Appends the samples the server sent since the last poll and drops those older than
 * `windowMs` before the newest. A processor seen for the first time gets zeros before its first
 * sample, so every column stays aligned on `t`.
 */
export function appendRates(series: RateSeries, batch: Timeseries, windowMs: number): RateSeries {
  const names = [...new Set([...Object.keys(series.processed), ...Object.keys(batch.processed)])].sort();
  const processed: Record<string, number[]> = {};
  for (const name of names) {
    const before = series.processed[name] ?? series.t.map(() => 0);
    const added = batch.processed[name] ?? batch.t.map(() => 0);
    processed[name] = [...before, ...added];
  }
  const t = [...series.t, ...batch.t.map((ms) => ms / 1000)];
  const rates = [...series.in, ...batch.in];
  const last = batch.t.length > 0 ? batch.t[batch.t.length - 1]! : series.last;
  const from = last === null ? 0 : t.findIndex((s) => s * 1000 > last - windowMs);
  const keep = (column: readonly (number | null)[]) => (from <= 0 ? [...column] : column.slice(from));
  const trimmed: Record<string, number[]> = {};
  for (const [name, column] of Object.entries(processed)) trimmed[name] = keep(column) as number[];
  return { last, t: keep(t) as number[], in: keep(rates), processed: trimmed };
}
