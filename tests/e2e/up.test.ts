// Embedded-only: `recostream up` is the single-machine mode, which starts every part itself (the
// embedded broker and registry, redis-server, chDB); there is no stack for containers to replace.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, prepareUpDemo, type DemoRow, type RunningUp, type UpDemo } from '../harness/up-demo.js';
import { entryPoint } from '../harness/entry-points.js';

/**
 * `recostream up --demo` as a user runs it: a child process on free ports with its own DATA_DIR.
 * Checks readiness, a feature lookup and recommendations against the demo file itself, SQL
 * through `recostream sql` in another process (which must go through the API, since `up` owns
 * chDB), a clean exit on SIGINT, and a restart that resumes without replaying the demo again.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('recostream up --demo (end to end)', () => {
  let demo: UpDemo;
  let rows: DemoRow[];

  /** Resolves once the demo is processed: `up` prints its "Try:" block then. */
  async function demoProcessed(up: RunningUp): Promise<void> {
    await up.until(
      '/ready',
      async () => ((await fetch(`${demo.api}/ready`)).status === 200 ? true : undefined),
      240_000,
    );
    await up.until(
      'the demo to be processed',
      async () => (up.printed().includes('Try:') ? true : undefined),
      240_000,
    );
  }

  async function sqlCli(query: string): Promise<Record<string, string | number>[]> {
    const { stdout } = await run(
      process.execPath,
      [...entryPoint('cli/main.ts'), 'sql', query, '--format', 'json'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DATA_DIR: demo.dataDir,
          API_PORT: String(demo.ports.api),
          CLICKHOUSE_URL: '',
          API_KEY: '',
        },
        timeout: 120_000,
      },
    );
    return JSON.parse(stdout) as Record<string, string | number>[];
  }

  beforeAll(async () => {
    demo = await prepareUpDemo('up-e2e');
  });

  afterAll(async () => {
    await demo?.remove();
  });

  it(
    'starts, serves the demo, answers SQL from another process, and stops cleanly on SIGINT',
    { timeout: 420_000 },
    async () => {
      const up = demo.start();
      try {
        await demoProcessed(up);
        rows = await demo.demoRows();
        expect(rows).toHaveLength(DEMO.interactions);

        // The most active user of the file, and what the file says about them.
        const perUser = new Map<string, DemoRow[]>();
        for (const r of rows) perUser.set(r.user_id, [...(perUser.get(r.user_id) ?? []), r]);
        const [userId, events] = [...perUser].sort(
          (a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]),
        )[0]!;

        const features = await (await fetch(`${demo.api}/v1/features/users/${userId}`)).json();
        expect(features).toMatchObject({
          user_id: userId,
          version: 'v1',
          features: {
            total_interactions: events.length,
            n_view: events.filter((e) => e.event_type === 'view').length,
            n_purchase: events.filter((e) => e.event_type === 'purchase').length,
            unique_items: new Set(events.map((e) => e.item_id)).size,
          },
        });

        const recsResponse = await fetch(`${demo.api}/v1/users/${userId}/recommendations?k=5`);
        expect(recsResponse.status).toBe(200);
        const recs = (await recsResponse.json()) as { user_id: string; items: { item_id: string }[] };
        expect(recs.user_id).toBe(userId);
        expect(recs.items).toHaveLength(5);
        const purchased = new Set(events.filter((e) => e.event_type === 'purchase').map((e) => e.item_id));
        for (const item of recs.items) expect(purchased.has(item.item_id)).toBe(false);

        // `up` owns chDB: this process's query must travel through up's POST /v1/sql.
        const counts = await sqlCli(
          'SELECT event_type, count() AS n FROM interactions FINAL GROUP BY event_type ORDER BY event_type',
        );
        const expected = new Map<string, number>();
        for (const r of rows) expected.set(r.event_type, (expected.get(r.event_type) ?? 0) + 1);
        expect(counts.map((c) => [c.event_type, Number(c.n)])).toEqual(
          [...expected].sort(([a], [b]) => a.localeCompare(b)),
        );

        // The trainer runs in the same process: its routes answer (503 would mean no trainer).
        expect((await fetch(`${demo.api}/v1/training/runs?limit=5`)).status).toBe(200);
      } finally {
        up.child.kill('SIGINT');
      }
      const exit = await up.exited;
      expect(exit, up.output()).toEqual({ code: 0, signal: null });
      expect(up.printed()).toContain('stopped cleanly');
      // Stopped in order, the spawned redis-server last; nothing left listening, chDB released.
      const stops = up
        .printed()
        .split('\n')
        .flatMap((line) => /"step":"([^"]+)","ms":\d+,"msg":"stopped /.exec(line)?.[1] ?? []);
      const order = [
        'API',
        'trainer',
        'processors',
        'ClickHouse sink',
        'schema registry',
        'Kafka broker',
        'redis-server',
      ];
      expect(stops.filter((step) => order.includes(step))).toEqual(order);
      expect(stops.at(-1)).toBe('redis-server');
      for (const port of Object.values(demo.ports)) expect(await portOpen(port)).toBe(false);
      expect(existsSync(path.join(demo.dataDir, 'clickhouse', 'recostream.owner.pid'))).toBe(false);
    },
  );

  it(
    'starts again from the same DATA_DIR without replaying the demo a second time',
    { timeout: 420_000 },
    async () => {
      const up = demo.start();
      try {
        await demoProcessed(up);
        expect(up.printed()).toContain('already replayed');
        const res = await fetch(`${demo.api}/v1/sql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'SELECT count() FROM interactions FINAL' }),
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { rows: string[][] };
        expect(Number(body.rows[0]![0])).toBe(DEMO.interactions);
      } finally {
        up.child.kill('SIGTERM');
      }
      expect(await up.exited).toEqual({ code: 0, signal: null });
    },
  );
});
