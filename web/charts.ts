import uPlot from 'uplot';
import type { RateSeries } from './rate-series.js';
import type { TrainingPoint } from './training-series.js';

/**
 * The two charts, on uPlot (canvas). Each chart container carries `data-points`: the number of
 * plotted values that are not gaps, which the browser test reads with uPlot's own legend.
 */

const COLORS = ['#2563eb', '#16a34a', '#f59e0b', '#9333ea', '#dc2626', '#0891b2'];

function width(container: HTMLElement): number {
  return Math.max(320, container.clientWidth - 8);
}

function countPoints(columns: readonly (readonly (number | null | undefined)[])[]): number {
  return columns.reduce((sum, column) => sum + column.filter((v) => v !== null && v !== undefined).length, 0);
}

/** From zero to a little above the largest value: two metrics on their own axes stay comparable. */
function fromZero(_u: uPlot, _min: number, max: number): uPlot.Range.MinMax {
  return [0, max > 0 ? max * 1.15 : 1];
}

/** A time scale that stays readable with a single sample (uPlot needs a range). */
function timeRange(_u: uPlot, min: number, max: number): uPlot.Range.MinMax {
  return min === max ? [min - 3600, max + 3600] : [min, max];
}

export class RatesChart {
  private plot: uPlot | null = null;
  private names: string[] = [];

  constructor(private readonly container: HTMLElement) {
    window.addEventListener('resize', () => this.plot?.setSize({ width: width(container), height: 240 }));
  }

  update(series: RateSeries): void {
    const names = Object.keys(series.processed).sort();
    const values = [series.in, ...names.map((n) => series.processed[n]!)];
    const data: uPlot.AlignedData = [series.t, ...values];
    if (!this.plot || names.join() !== this.names.join()) {
      this.plot?.destroy();
      this.names = names;
      this.plot = new uPlot(
        {
          width: width(this.container),
          height: 240,
          scales: { x: { time: true } },
          axes: [{}, { label: 'events/s', size: 60 }],
          series: [
            {},
            {
              label: 'in (interactions appended)',
              stroke: COLORS[0],
              width: 2,
              value: (_u, v) => (v === null ? '–' : v.toFixed(1)),
            },
            ...names.map((name, i) => ({
              label: `processed (${name})`,
              stroke: COLORS[(i + 1) % COLORS.length],
              width: 1.5,
              value: (_u: uPlot, v: number | null) => (v === null ? '–' : v.toFixed(1)),
            })),
          ],
        },
        data,
        this.container,
      );
    } else {
      this.plot.setData(data);
    }
    this.container.dataset.points = String(countPoints(values));
  }
}

export class TrainingChart {
  private plot: uPlot | null = null;

  constructor(private readonly container: HTMLElement) {
    window.addEventListener('resize', () => this.plot?.setSize({ width: width(container), height: 240 }));
  }

  update(points: readonly TrainingPoint[]): void {
    const ndcg = points.map((p) => p.ndcg10);
    const rmse = points.map((p) => p.rmse);
    const data: uPlot.AlignedData = [
      points.map((p) => p.at / 1000),
      ndcg,
      rmse,
      points.map((p) => (p.promoted ? p.ndcg10 : null)),
    ];
    if (!this.plot) {
      this.plot = new uPlot(
        {
          width: width(this.container),
          height: 240,
          scales: {
            x: { time: true, range: timeRange },
            ndcg: { range: fromZero },
            rmse: { range: fromZero },
          },
          axes: [
            {},
            { scale: 'ndcg', label: 'NDCG@10', size: 60 },
            { scale: 'rmse', label: 'RMSE', side: 1, size: 60, grid: { show: false } },
          ],
          series: [
            {},
            { label: 'NDCG@10', scale: 'ndcg', stroke: COLORS[0], width: 2, points: { show: true, size: 6 } },
            {
              label: 'RMSE',
              scale: 'rmse',
              stroke: COLORS[2],
              width: 2,
              dash: [6, 4],
              points: { show: true, size: 6 },
            },
            {
              label: '★ promoted',
              scale: 'ndcg',
              stroke: COLORS[4],
              fill: COLORS[4],
              // Markers only: a promoted run is a point, not a line between promotions.
              paths: () => null,
              points: { show: true, size: 14, width: 2, fill: '#fde047' },
            },
          ],
        },
        data,
        this.container,
      );
    } else {
      this.plot.setData(data);
    }
    this.container.dataset.points = String(countPoints([ndcg, rmse]));
  }
}
