import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiClient, ApiRequestError } from './api-client.js';
import type {
  DeadLetters,
  FeatureRecord,
  Items,
  Summary,
  Timeseries,
  Topology,
  TrainingRun,
} from './api-types.js';
import { RatesChart, TrainingChart } from './charts.js';
import { byId, note, show } from './dom.js';
import {
  clockPanel,
  deadLetterPanel,
  featurePanel,
  itemsPanel,
  lagPanel,
  topologyPanel,
  trainingTable,
} from './panels.js';
import { appendRates, emptyRateSeries, type RateSeries } from './rate-series.js';
import { trainingPoints } from './training-series.js';

/**
 * The dashboard page: every panel polls its JSON route on its own cadence (the next poll is
 * scheduled when the previous one is done, so a slow server is never asked twice at once).
 */

const WINDOW_MS = 15 * 60 * 1000;
const api = new ApiClient();
const status = byId('status');
const keyForm = byId<HTMLFormElement>('key-form');

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function needsKey(err: unknown): boolean {
  return err instanceof ApiRequestError && (err.status === 401 || err.status === 403);
}

let lastError: string | null = null;

function poll(intervalMs: number, panel: HTMLElement | null, run: () => Promise<void>): void {
  const loop = async () => {
    try {
      await run();
      if (lastError === null) status.textContent = `live · updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (needsKey(err)) keyForm.hidden = false;
      lastError = describe(err);
      status.textContent = `cannot read the API: ${lastError}`;
      if (panel) show(panel, note(describe(err), 'error'));
      // The next successful poll clears the message.
      setTimeout(() => (lastError = null), intervalMs);
    }
    setTimeout(() => void loop(), intervalMs);
  };
  void loop();
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  api.setKey(byId<HTMLInputElement>('key-input').value.trim());
  keyForm.hidden = true;
});

// Events per second: appended samples only (`since`), 15 minutes kept.
const ratesChart = new RatesChart(byId('rates-chart'));
let rates: RateSeries = emptyRateSeries();
poll(2_000, null, async () => {
  const since = rates.last === null ? '' : `?since=${rates.last}`;
  rates = appendRates(rates, await api.get<Timeseries>(`/v1/dashboard/timeseries${since}`), WINDOW_MS);
  ratesChart.update(rates);
});

poll(2_000, byId('clock'), async () => {
  const summary = await api.get<Summary>('/v1/dashboard/summary');
  show(byId('clock'), ...clockPanel(summary));
  show(byId('lag'), ...lagPanel(summary));
});

poll(5_000, byId('dead-letters'), async () => {
  show(byId('dead-letters'), ...deadLetterPanel(await api.get<DeadLetters>('/v1/dashboard/dead-letters')));
});

poll(5_000, byId('top-items'), async () => {
  const items = await api.get<Items>('/v1/dashboard/items?limit=10');
  show(byId('top-items'), ...itemsPanel(items.top, 'popularity'));
  show(byId('trending-items'), ...itemsPanel(items.trending, 'trending'));
});

poll(10_000, byId('topology'), async () => {
  show(byId('topology'), ...topologyPanel(await api.get<Topology>('/v1/dashboard/topology')));
});

// Training runs are behind API_KEY (the training routes' access), and absent without a trainer:
// the panel says so rather than failing the page.
const trainingChart = new TrainingChart(byId('training-chart'));
poll(10_000, null, async () => {
  const runs = byId('training-runs');
  try {
    const body = await api.get<{ runs: TrainingRun[] }>('/v1/training/runs?limit=100');
    const points = trainingPoints(body.runs);
    trainingChart.update(points);
    show(runs, ...trainingTable(points));
  } catch (err) {
    if (needsKey(err)) show(runs, note('training runs are shown with API_KEY (type it above)'));
    else if (err instanceof ApiRequestError && err.status === 503) show(runs, note(err.message));
    else throw err;
  }
});

byId<HTMLFormElement>('feature-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const kind = byId<HTMLSelectElement>('feature-kind').value === 'items' ? 'items' : 'users';
  const id = byId<HTMLInputElement>('feature-id').value.trim();
  const out = byId('feature-record');
  if (!id) return;
  show(out, note('looking up…'));
  api
    .get<FeatureRecord>(`/v1/features/${kind}/${encodeURIComponent(id)}`)
    .then((record) => show(out, ...featurePanel(record)))
    .catch((err: unknown) => {
      if (needsKey(err)) keyForm.hidden = false;
      show(
        out,
        note(describe(err), err instanceof ApiRequestError && err.status === 404 ? 'empty' : 'error'),
      );
    });
});
