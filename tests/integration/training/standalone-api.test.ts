import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../embedded/redis/launcher.js';
import type { Interaction, TrainingRun } from '../../../schemas/types.js';
import { DEFAULT_SINK_GROUP } from '../../../sinks/clickhouse/sink.js';
import { TypedProducer } from '../../../topology/producer.js';
import { TOPIC } from '../../../topology/topics.js';
import { loadModel } from '../../../training/models/index.js';
import { recommend } from '../../../training/recommend.js';
import { serveTrainerOverRedis, type ServedChannel } from '../../../training/remote/redis-channel.js';
import { modelsDir } from '../../../training/serving/promoted.js';
import { startTrainer, type Trainer } from '../../../training/trainer.js';
import { spawnCli, type ChildHandle } from '../../harness/processes.js';
import { startApiStack, type ApiStack } from '../../harness/api-stack.js';
import { waitForCommitted, waitUntil } from '../../harness/kafka-io.js';
import { plantedInteractions } from '../../harness/training-stack.js';

/**
 * `recostream api` as its own process, the trainer in another (here: this test's process, serving
 * the Redis channel as `recostream trainer` does), laid out as docker-compose.yml lays out their
 * containers: each has a DATA_DIR of its own and they share only DATA_DIR/models. A run triggered
 * through the API trains in the trainer; the API then serves the promoted model from the run's
 * artifacts, following the trainer's promotion pointer, without a restart.
 */

const ROOT = path.join(import.meta.dirname, '../../..');
const KEY = 'standalone-api-key-0123';
const events = plantedInteractions({ users: 120, items: 80, interactions: 4000, seed: 5, lifecycles: false });
/** The user with the most purchases. */
const buyer = (() => {
  const purchases = new Map<string, number>();
  for (const e of events)
    if (e.event_type === 'purchase') purchases.set(e.user_id, (purchases.get(e.user_id) ?? 0) + 1);
  return [...purchases].sort((a, b) => b[1] - a[1])[0]![0];
})();

let s: ApiStack;
let trainer: Trainer;
let channel: ServedChannel;
let api: ChildHandle;
let url: string;
let trainerDir: string;
let apiDir: string;
/** The run queued behind the first triggered one. */
let queuedRunId: string;

interface RecommendationsBody {
  model: string;
  run_id: string | null;
  excluded_purchases: number;
  items: { item_id: string; score: number; model: string; run_id: string | null }[];
}

async function request<T>(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls the run through the API (API -> Redis -> trainer) until it is final. */
async function finalRun(runId: string): Promise<TrainingRun> {
  let run: TrainingRun | null = null;
  await waitUntil(
    async () => {
      const r = await request<TrainingRun>('GET', `/v1/training/runs/${runId}`);
      expect(r.status).toBe(200);
      run = r.body;
      return run.status === 'succeeded' || run.status === 'failed';
    },
    `run ${runId} to finish`,
    240_000,
  );
  return run!;
}

beforeAll(async () => {
  s = await startApiStack({ clickhouse: true });
  const producer = new TypedProducer(s.kafka, s.serde);
  const result = await producer.produce(TOPIC.interactions, events as Interaction[]);
  await producer.disconnect();
  expect(result.failed).toEqual([]);
  await waitForCommitted(s.kafka, DEFAULT_SINK_GROUP, [TOPIC.interactions], { timeoutMs: 120_000 });

  trainerDir = await mkdtemp(path.join(tmpdir(), 'recostream-trainer-'));
  apiDir = await mkdtemp(path.join(tmpdir(), 'recostream-api-'));
  // The shared `models` volume: the API's DATA_DIR/models is the trainer's.
  await mkdir(modelsDir(trainerDir), { recursive: true });
  await symlink(modelsDir(trainerDir), modelsDir(apiDir), 'dir');

  trainer = await startTrainer({
    kafka: s.kafka,
    serde: s.serde,
    clickhouse: s.clickhouse!,
    dataDir: trainerDir,
    logger: s.stack.logger,
    featureVersion: 'v1',
    autoTrigger: false,
    // A configured default (`recostream trainer --seed 7`): a trigger that does not say otherwise keeps it.
    defaults: { seed: 7, params: { als: { factors: 16, iterations: 8 } } },
  });
  channel = serveTrainerOverRedis(trainer, s.stack.redis(), s.stack.logger);
  await channel.ready;

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  api = spawnCli(['api', '--port', String(port)], s.stack.env({ DATA_DIR: apiDir, API_KEY: KEY }));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const up = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (api.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`recostream api did not start:\n${api.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 300_000);

afterAll(async () => {
  await api?.kill('SIGTERM');
  await channel?.close();
  await trainer?.close();
  await s?.stop();
  for (const dir of [apiDir, trainerDir]) if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('recostream api with the trainer in another process', () => {
  it('answers with live popularity while no model is promoted', async () => {
    const r = await request<RecommendationsBody>('GET', `/v1/users/${buyer}/recommendations?k=5`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ model: 'popularity', run_id: null });
  });

  it('serves the promoted model of a run triggered through it, from the run artifacts', async () => {
    const started = await request<{ run: TrainingRun }>('POST', '/v1/training/runs', {
      model: 'als',
      reason: 'standalone api',
    });
    expect(started.status).toBe(202);
    expect(started.body.run.status).toBe('running');
    const runId = started.body.run.run_id;

    // Triggers during that run are accepted too: they all join the one run queued behind it.
    const again: { status: number; body: { run: TrainingRun } }[] = [];
    for (let i = 0; i < 2; i++)
      again.push(
        await request<{ run: TrainingRun }>('POST', '/v1/training/runs', {
          model: 'popularity',
          protocol: 'kfold',
          folds: 3,
          seed: 3,
        }),
      );
    for (const r of again) {
      expect(r.status).toBe(202);
      expect(r.body.run).toMatchObject({ status: 'queued', protocol: 'kfold', seed: 3 });
    }
    queuedRunId = again[0]!.body.run.run_id;
    expect(again[1]!.body.run.run_id).toBe(queuedRunId);
    expect(queuedRunId).not.toBe(runId);

    const run = await finalRun(runId);
    expect(run.error).toBeNull();
    expect(run).toMatchObject({ status: 'succeeded', promoted: true, served_model: 'als', seed: 7 });
    // The trainer wrote the artifacts under its own DATA_DIR.
    expect(run.artifact_path!.startsWith(trainerDir)).toBe(true);

    // The API looks at the pointer at most once a second: the promoted model serves within that.
    let body: RecommendationsBody | undefined;
    await waitUntil(
      async () => {
        const r = await request<RecommendationsBody>('GET', `/v1/users/${buyer}/recommendations?k=5`);
        body = r.body;
        return r.status === 200 && r.body.run_id === runId;
      },
      'the promoted model to serve',
      30_000,
    );
    expect(body!.model).toBe('als');
    expect(body!.items).toHaveLength(5);
    for (const item of body!.items) expect(item).toMatchObject({ model: 'als', run_id: runId });
    // Purchases are left out when the API has ClickHouse (a server, CLICKHOUSE_URL); the embedded
    // chDB belongs to the sink's process, so this API has none and leaves nothing out.
    const purchased = new Set(
      events.filter((e) => e.user_id === buyer && e.event_type === 'purchase').map((e) => e.item_id),
    );
    const exclude = body!.excluded_purchases > 0 ? purchased : new Set<string>();
    expect(body!.excluded_purchases).toBe(exclude.size);
    // The very list the run's served artifact gives.
    const model = await loadModel(path.join(run.artifact_path!, run.served_model!));
    expect(body!.items.map((i) => i.item_id)).toEqual(
      recommend(model, buyer, 5, { exclude }).map((r) => r.item_id),
    );
  });

  it('runs the queued run with the protocol, folds and seed it was asked for', async () => {
    const run = await finalRun(queuedRunId);
    expect(run.error).toBeNull();
    // Popularity alone is the baseline: nothing to promote, the served model stays.
    expect(run).toMatchObject({
      status: 'succeeded',
      trigger: 'manual',
      protocol: 'kfold',
      seed: 3,
      promoted: false,
    });
    expect(JSON.parse(run.params.folds!)).toBe(3);
    const splits = new Set(run.metrics.map((m) => m.split));
    expect(splits).toContain('fold-3');
    expect(splits).not.toContain('fold-4');
  });

  it('recostream train --api --protocol kfold --folds 3 --seed 3 trains through it', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/main.ts',
        'train',
        '--api',
        url,
        '--model',
        'als',
        '--protocol',
        'kfold',
        '--folds',
        '3',
        '--seed',
        '3',
        '--wait',
        '--json',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...s.stack.env({ DATA_DIR: apiDir, API_KEY: KEY, LOG_LEVEL: 'warn' }) },
        timeout: 300_000,
      },
    );
    const run = JSON.parse(stdout) as TrainingRun;
    expect(run).toMatchObject({ status: 'succeeded', protocol: 'kfold', seed: 3, served_model: 'als' });
    expect(JSON.parse(run.params.folds!)).toBe(3);
    // The trainer of the other process ran it.
    expect(trainer.getRun(run.run_id)).toEqual(run);
    if (run.promoted) {
      // A newer promotion is served without restarting the API.
      await waitUntil(
        async () =>
          (await request<RecommendationsBody>('GET', `/v1/users/${buyer}/recommendations?k=5`)).body
            .run_id === run.run_id,
        'the newly promoted model to serve',
        30_000,
      );
    }
  });
});
