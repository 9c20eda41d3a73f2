// Embedded-only: the page is served by `recostream up`, the single-machine mode, which starts every
// part itself (the embedded broker and registry, redis-server, chDB); there is no stack for
// containers to replace.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, prepareUpDemo, type RunningUp, type UpDemo } from '../harness/up-demo.js';

/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against `recostream up --demo` run as a user runs it: the page loads without console errors,
 * the throughput and training charts plot data (read through uPlot's legend and the data-points
 * the page records), the panels fill from the API, the search box shows a user's features, and
 * a screenshot is saved under test-output/dashboard/.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = path.join(ROOT, 'test-output', 'dashboard');
const run = promisify(execFile);

interface RunBody {
  run_id: string;
  status: string;
  error: string | null;
}

describe('the dashboard in headless Chromium (end to end)', () => {
  let demo: UpDemo;
  let api: string;
  let up: RunningUp | undefined;
  let browser: Browser | undefined;

  async function train(model: string): Promise<string> {
    const accepted = await up!.until(
      `a ${model} training run to start`,
      async () => {
        const response = await fetch(`${api}/v1/training/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, reason: 'dashboard test' }),
        });
        // 409: a run (the trigger policy's) is in progress; try again when it is done.
        return response.status === 202 ? ((await response.json()) as { run: RunBody }).run : undefined;
      },
      180_000,
    );
    const done = await up!.until(
      `training run ${accepted.run_id}`,
      async () => {
        const body = (await (await fetch(`${api}/v1/training/runs/${accepted.run_id}`)).json()) as RunBody;
        return body.status === 'running' ? undefined : body;
      },
      240_000,
    );
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    return done.run_id;
  }

  beforeAll(async () => {
    // The child runs from the sources; the page it serves is the front end as it is now.
    await run('npm', ['run', '--silent', 'build:dashboard'], { cwd: ROOT, timeout: 120_000 });
    demo = await prepareUpDemo('dashboard-e2e');
    api = demo.api;
    up = demo.start();
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (up) await up.kill('SIGINT');
    await demo?.remove();
  }, 180_000);

  it(
    'shows live rates, lag, dead letters, items, training runs, topology and a user’s features',
    { timeout: 900_000 },
    async () => {
      const child = up!;
      await child.until(
        '/ready',
        async () => ((await fetch(`${api}/ready`)).status === 200 ? true : undefined),
        240_000,
      );
      // One event that is refused: it becomes a dead letter the panel counts.
      const refused = await fetch(`${api}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'u-dashboard', item_id: 'i-dashboard', event_type: 'teleport' }),
      });
      expect(refused.status).toBe(400);
      await child.until(
        'the demo to be processed',
        async () => (child.printed().includes('Try:') ? true : undefined),
        300_000,
      );

      // Two runs, so the training chart has a line: ALS (ranking only) then MF (with an RMSE).
      const runs = [await train('als'), await train('mf')];

      const rows = await demo.demoRows();
      const perUser = new Map<string, number>();
      for (const r of rows) perUser.set(r.user_id, (perUser.get(r.user_id) ?? 0) + 1);
      const [userId, userEvents] = [...perUser].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;

      // launch() gives the browser a new empty profile of its own (removed on close).
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-quic',
          '--no-first-run',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const page: Page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('requestfailed', (request) =>
        problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`),
      );
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));

      const response = await page.goto(`${api}/`, { waitUntil: 'load', timeout: 60_000 });
      expect(response?.status()).toBe(200);
      await expect(page.title()).resolves.toBe('recostream dashboard');

      // The throughput chart: the demo's replay went through within the last 15 minutes.
      const ratesChart = page.locator('#rates-chart');
      await expect
        .poll(async () => Number(await ratesChart.getAttribute('data-points')), { timeout: 60_000 })
        .toBeGreaterThan(10);
      await expect(ratesChart.locator('canvas').count()).resolves.toBe(1);
      const rateLabels = await ratesChart.locator('.u-legend .u-series th').allTextContents();
      expect(rateLabels.join('|')).toContain('in (interactions appended)');
      expect(rateLabels.join('|')).toContain('processed (user-features)');
      expect(rateLabels.join('|')).toContain('processed (item-features)');
      // The largest "in" rate of the series is above zero: the replay shows as a peak.
      const peak = await page.evaluate(async () => {
        const body = (await (await fetch('/v1/dashboard/timeseries')).json()) as { in: (number | null)[] };
        return Math.max(0, ...body.in.map((v) => v ?? 0));
      });
      expect(peak).toBeGreaterThan(0);
      // Hovering a sample makes uPlot's legend show the values plotted there.
      const box = (await ratesChart.locator('.u-over').boundingBox())!;
      await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
      const hovered = await ratesChart
        .locator('.u-legend .u-series')
        .nth(1)
        .locator('.u-value')
        .textContent();
      expect(hovered).toMatch(/^\d+(\.\d)?$/);

      // Training: two succeeded runs, NDCG@10 for both and MF's RMSE, the promoted run marked.
      await expect
        .poll(async () => Number(await page.locator('#training-chart').getAttribute('data-points')), {
          timeout: 60_000,
        })
        .toBeGreaterThanOrEqual(3);
      const trainingLabels = await page.locator('#training-chart .u-legend .u-series th').allTextContents();
      expect(trainingLabels.join('|')).toMatch(/NDCG@10.*RMSE.*promoted/);
      const runRows = await page.locator('#training-runs tbody tr td:first-child').allTextContents();
      expect(runRows).toEqual(expect.arrayContaining(runs));
      await expect(page.locator('#training-runs tbody').textContent()).resolves.toContain('★');

      // Lag per processor and partition, the clock, dead letters, items and topology.
      await page.locator('#lag tbody tr').first().waitFor({ timeout: 30_000 });
      const lagText = await page.locator('#lag').textContent();
      expect(lagText).toContain('user-features');
      expect(lagText).toContain('item-features');
      await expect(page.locator('#clock').textContent()).resolves.toMatch(/pipeline clock\d{4}-\d\d-\d\d /);
      await page.locator('#dead-letters tbody tr').first().waitFor({ timeout: 120_000 });
      expect(await page.locator('#dead-letters').textContent()).toContain('api');
      await page.locator('#top-items tbody tr').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('#top-items tbody tr').count()).toBe(10);
      await page.locator('#topology tbody tr').first().waitFor({ timeout: 60_000 });
      const topicRows = page.locator('#topology table').first().locator('tbody tr');
      const topics: string[][] = [];
      for (let i = 0; i < (await topicRows.count()); i++)
        topics.push(await topicRows.nth(i).locator('td').allTextContents());
      const interactions = topics.find((cells) => cells[0] === 'interactions');
      expect(interactions?.[1]).toBe('6');
      expect(interactions?.[3]?.split(' · ')).toHaveLength(6);
      expect(Number(interactions?.[4]?.replace(/,/g, ''))).toBe(DEMO.interactions);

      // The search box: the most active user of the demo file, with the file's count.
      await page.locator('#feature-id').fill(userId);
      await page.locator('#feature-id').press('Enter');
      const record = page.locator('#feature-record');
      await record.locator('tbody tr').first().waitFor({ timeout: 30_000 });
      const total = await record
        .locator('tr', { hasText: /^total_interactions/ })
        .locator('td')
        .nth(1)
        .textContent();
      expect(Number(total!.replace(/,/g, ''))).toBe(userEvents);
      expect(await record.textContent()).toContain(userId);

      await mkdir(OUTPUT, { recursive: true });
      // The page as it looks, with the feature record filled in (the mouse off the charts).
      await page.mouse.move(0, 0);
      await page.screenshot({ path: path.join(OUTPUT, 'dashboard.png'), fullPage: true });

      // Offline: every request went to the API itself.
      const foreign = requested.filter((url) => !url.startsWith(api) && !url.startsWith('data:'));
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
    },
  );
});
