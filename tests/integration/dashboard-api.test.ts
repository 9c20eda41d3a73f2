import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server.js';
import { startApiStack, type ApiStack } from '../harness/api-stack.js';
import { until } from '../harness/polling.js';

/**
 * The dashboard's routes against the pipeline in this process (broker, registry, redis-server,
 * both processors, chDB and the ClickHouse sink): what each panel reads after events were posted,
 * read access on the JSON routes, the page and its assets served open and everything else 404,
 * and the page in headless Chromium asking for the read key (tests/e2e has the unguarded tour).
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const WRITE_KEY = 'dashboard-write-key-0123';
const READ_KEY = 'dashboard-read-key-4567';

interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function get<T>(base: string, url: string, key: string | null = READ_KEY): Promise<Reply<T>> {
  const response = await fetch(`${base}${url}`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // the page and its assets
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

interface Timeseries {
  interval_ms: number;
  capacity: number;
  t: number[];
  in: (number | null)[];
  processed: Record<string, number[]>;
}

/** Events the series accounts for: each rate times the time since the previous sample. */
function integrate(t: readonly number[], rates: readonly (number | null)[]): number {
  let sum = 0;
  for (let i = 1; i < t.length; i++) sum += ((rates[i] ?? 0) * (t[i]! - t[i - 1]!)) / 1000;
  return sum;
}

describe('dashboard routes', () => {
  let s: ApiStack;
  let api: RunningApi;
  let base: string;
  const now = Date.now();
  // i1 gets most events and purchases: the top item by popularity_score.
  const events = [
    ...Array.from({ length: 12 }, (_, n) => ({
      user_id: `u${n % 3}`,
      item_id: 'i1',
      event_type: n % 4 === 0 ? 'purchase' : 'view',
      event_time: now - (n + 1) * 60_000,
    })),
    ...Array.from({ length: 6 }, (_, n) => ({
      user_id: `u${n % 2}`,
      item_id: 'i2',
      event_type: 'view',
      event_time: now - (n + 1) * 3_600_000,
    })),
    { user_id: 'u0', item_id: 'i3', event_type: 'click', event_time: now - 5 * 86_400_000 },
  ];

  beforeAll(async () => {
    // The page served is the front end of this checkout.
    await promisify(execFile)('npm', ['run', '--silent', 'build:dashboard'], { cwd: ROOT, timeout: 120_000 });
    s = await startApiStack({ processors: true, clickhouse: true });
    api = await s.api({ apiKey: WRITE_KEY, apiReadKey: READ_KEY });
    base = api.url;
  }, 300_000);

  afterAll(async () => {
    await s?.stop();
  }, 120_000);

  it('samples the rates of posted events, and every panel shows them', async () => {
    // The sampler's first reading is the baseline: events posted after it are all in the rates.
    await until('a first throughput sample', async () => {
      const r = await get<Timeseries>(base, '/v1/dashboard/timeseries');
      return r.body.in.some((v) => v !== null) ? true : undefined;
    });
    const posted = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WRITE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify([...events, { user_id: 'u9', item_id: 'i9', event_type: 'teleport' }]),
    });
    expect(posted.status).toBe(202);
    expect(((await posted.json()) as { accepted: number }).accepted).toBe(events.length);

    const series = await until('the events in the rates', async () => {
      const r = await get<Timeseries>(base, '/v1/dashboard/timeseries');
      const processed = r.body.processed;
      const done =
        Math.round(integrate(r.body.t, processed['user-features'] ?? [])) === events.length &&
        Math.round(integrate(r.body.t, processed['item-features'] ?? [])) === events.length;
      return done ? r.body : undefined;
    });
    expect(series.interval_ms).toBe(1000);
    expect(series.capacity).toBe(900);
    // Rates are rounded to a tenth per sample: the sum is within a few tenths of the count.
    expect(Math.abs(integrate(series.t, series.in) - events.length)).toBeLessThan(1);
    for (const column of [series.in, ...Object.values(series.processed)])
      expect(column).toHaveLength(series.t.length);
    const last = series.t.at(-1)!;
    const newer = await get<Timeseries>(base, `/v1/dashboard/timeseries?since=${last}`);
    expect(newer.body.t.every((t) => t > last)).toBe(true);

    const summary = await get<{
      active_version: string | null;
      pipeline_clock: number | null;
      lag: { processor: string; topic: string; partition: string; lag: number }[];
      freshness: { processor: string }[];
      components: { name: string; healthy: boolean }[];
    }>(base, '/v1/dashboard/summary');
    expect(summary.status).toBe(200);
    expect(summary.body.active_version).toBe('v1');
    expect(summary.body.pipeline_clock).toBe(events[0]!.event_time);
    const lagged = new Set(summary.body.lag.map((l) => `${l.processor} ${l.topic}`));
    expect(lagged).toEqual(new Set(['user-features interactions', 'item-features interactions-by-item']));
    expect(summary.body.lag.every((l) => l.lag === 0)).toBe(true);
    expect(summary.body.freshness.map((f) => f.processor).sort()).toEqual(['item-features', 'user-features']);

    const items = await until('the item ranking', async () => {
      const r = await get<{
        version: string;
        items_ranked: number;
        top: { item_id: string; popularity_score: number; total_interactions: number }[];
        trending: { item_id: string; trending_score: number | null }[];
      }>(base, '/v1/dashboard/items?limit=2');
      return r.body.items_ranked === 3 ? r.body : undefined;
    });
    expect(items.version).toBe('v1');
    expect(items.top.map((i) => [i.item_id, i.total_interactions])).toEqual([
      ['i1', 12],
      ['i2', 6],
    ]);
    expect(items.top[0]!.popularity_score).toBeGreaterThan(items.top[1]!.popularity_score);
    expect(items.trending).toHaveLength(2);
    expect(items.trending.every((i) => i.trending_score !== null)).toBe(true);

    const topology = await get<{
      feature_version: string;
      topics: { name: string; partitions: number; end_offsets: number[]; end_offset: number }[];
      groups: { group_id: string; topic: string; lag: number }[];
    }>(base, '/v1/dashboard/topology');
    expect(topology.status).toBe(200);
    expect(topology.body.feature_version).toBe('v1');
    const interactions = topology.body.topics.find((t) => t.name === 'interactions')!;
    expect(interactions.partitions).toBe(6);
    expect(interactions.end_offsets).toHaveLength(6);
    expect(interactions.end_offset).toBe(events.length);
    expect(topology.body.topics.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'interactions-by-item',
        'user-features.v1',
        'item-features.v1',
        'dead-letters',
      ]),
    );

    // The refused event reaches ClickHouse through the dead-letters topic and the sink.
    const deadLetters = await until('the dead letter in ClickHouse', async () => {
      const r = await get<{
        from: string;
        total: number;
        reasons: { origin: string; reason: string; example: string; count: number }[];
      }>(base, '/v1/dashboard/dead-letters');
      return r.body.total > 0 ? r.body : undefined;
    });
    expect(deadLetters.from).toBe('clickhouse');
    expect(deadLetters.total).toBe(1);
    expect(deadLetters.reasons).toHaveLength(1);
    expect(deadLetters.reasons[0]).toMatchObject({ origin: 'api', count: 1 });
    expect(deadLetters.reasons[0]!.example).toContain('teleport');
    // The offending value is masked in the grouped reason.
    expect(deadLetters.reasons[0]!.reason).not.toContain('teleport');
  });

  it('guards the JSON routes with the read key and validates their queries', async () => {
    for (const url of [
      '/v1/dashboard/summary',
      '/v1/dashboard/timeseries',
      '/v1/dashboard/items',
      '/v1/dashboard/topology',
      '/v1/dashboard/dead-letters',
    ]) {
      expect((await get(base, url, null)).status, url).toBe(401);
      expect((await get(base, url, 'not-the-key-at-all')).status, url).toBe(403);
      expect((await get(base, url, WRITE_KEY)).status, url).toBe(200);
    }
    for (const url of [
      '/v1/dashboard/items?limit=0',
      '/v1/dashboard/items?limit=51',
      '/v1/dashboard/timeseries?since=-1',
    ]) {
      const r = await get<{ error: string }>(base, url);
      expect(r.status, url).toBe(400);
      expect(r.body.error).toBe('validation_failed');
    }
  });

  it('serves the page and its assets without a key, and nothing else under /dashboard/', async () => {
    const page = await get(base, '/', null);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="/dashboard/app.js">');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await get(base, '/dashboard/app.js', null);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await get(base, '/dashboard/app.css', null)).headers.get('content-type')).toMatch(/^text\/css/);
    const missing = await get<{ error: string }>(base, '/dashboard/nothing.js', null);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('not_found');
  });

  it('asks for the key in the browser when reads are guarded, then fills the panels with it', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
      ],
    });
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(`${base}/`);
      // Without a key every panel is refused: the key form shows, the status says why.
      await page.locator('#key-form').waitFor({ state: 'visible', timeout: 30_000 });
      await expect(page.locator('#status').textContent()).resolves.toContain('cannot read the API');
      await page.locator('#key-input').fill(READ_KEY);
      await page.locator('#key-input').press('Enter');
      await expect(page.locator('#key-form').isHidden()).resolves.toBe(true);
      // The next polls carry the key: the clock panel shows the active version.
      await expect
        .poll(async () => page.locator('#clock').textContent(), { timeout: 30_000 })
        .toContain('active versionv1');
      await page.locator('#top-items tbody tr').first().waitFor({ timeout: 30_000 });
      // Training runs need API_KEY: the read key gets a note, not a broken panel.
      await expect
        .poll(async () => page.locator('#training-runs').textContent(), { timeout: 30_000 })
        .toContain('API_KEY');
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
