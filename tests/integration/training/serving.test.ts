import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../../api/server.js';
import type { Interaction, TrainingRun } from '../../../schemas/types.js';
import { DEFAULT_SINK_GROUP } from '../../../sinks/clickhouse/sink.js';
import { TypedProducer } from '../../../topology/producer.js';
import { TOPIC } from '../../../topology/topics.js';
import { loadModel } from '../../../training/models/index.js';
import { recommend } from '../../../training/recommend.js';
import { promotedModelSource } from '../../../training/serving/model-source.js';
import { trainerClient } from '../../../training/trainer-client.js';
import { startTrainer, type Trainer } from '../../../training/trainer.js';
import { startApiStack, type ApiStack } from '../../harness/api-stack.js';
import { waitForCommitted, waitUntil } from '../../harness/kafka-io.js';
import { plantedInteractions } from '../../harness/training-stack.js';

/**
 * The API with the trainer plugged in (POST/GET /v1/training/runs) and the promoted model serving
 * GET /v1/users/:id/recommendations: before any run the live popularity fallback answers; after a
 * promoted run the same route answers with that run's model, without a restart, leaving out what
 * the user purchased. The run computes on a worker thread, as in the daemon.
 */

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
let api: RunningApi;
let dataDir: string;

async function json<T>(response: Response): Promise<T> {
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${response.status}: ${JSON.stringify(body)}`);
  return body;
}

beforeAll(async () => {
  s = await startApiStack({ clickhouse: true });
  dataDir = await mkdtemp(path.join(tmpdir(), 'recostream-serving-'));
  const producer = new TypedProducer(s.kafka, s.serde);
  const result = await producer.produce(TOPIC.interactions, events as Interaction[]);
  await producer.disconnect();
  expect(result.failed).toEqual([]);
  await waitForCommitted(s.kafka, DEFAULT_SINK_GROUP, [TOPIC.interactions], { timeoutMs: 120_000 });
  trainer = await startTrainer({
    kafka: s.kafka,
    serde: s.serde,
    clickhouse: s.clickhouse!,
    dataDir,
    logger: s.stack.logger,
    featureVersion: 'v1',
    autoTrigger: false,
    defaults: { params: { als: { factors: 16, iterations: 8 } } },
  });
  api = await s.api({
    trainer: trainerClient(trainer),
    deps: { servedModels: promotedModelSource({ dataDir, pollMs: 0 }) },
  });
});

afterAll(async () => {
  await trainer?.close();
  await s?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface RecommendationsBody {
  model: string;
  run_id: string | null;
  excluded_purchases: number;
  items: { item_id: string; score: number; model: string; run_id: string | null }[];
}

describe('serving the promoted model', () => {
  it('answers with popularity while no model is promoted', async () => {
    const body = await json<RecommendationsBody>(await fetch(`${api.url}/v1/users/u3/recommendations?k=5`));
    expect(body.model).toBe('popularity');
    expect(body.run_id).toBeNull();
  });

  it('trains through POST /v1/training/runs and then serves the promoted model', async () => {
    const accepted = await fetch(`${api.url}/v1/training/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'als', reason: 'serving test' }),
    });
    expect(accepted.status).toBe(202);
    const { run } = (await accepted.json()) as { run: TrainingRun };
    expect(run.status).toBe('running');

    let final: TrainingRun | null = null;
    await waitUntil(
      async () => {
        final = await json<TrainingRun>(await fetch(`${api.url}/v1/training/runs/${run.run_id}`));
        return final.status !== 'running';
      },
      'the run to finish',
      180_000,
    );
    const done = final! as TrainingRun;
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.promoted).toBe(true);
    expect(done.served_model).toBe('als');
    const listed = await json<{ runs: TrainingRun[] }>(await fetch(`${api.url}/v1/training/runs?limit=5`));
    expect(listed.runs[0]!.run_id).toBe(run.run_id);

    // The user's purchases (ClickHouse) are left out of the list.
    const purchased = new Set(
      events.filter((e) => e.user_id === buyer && e.event_type === 'purchase').map((e) => e.item_id),
    );
    expect(purchased.size).toBeGreaterThan(0);
    const body = await json<RecommendationsBody>(
      await fetch(`${api.url}/v1/users/${buyer}/recommendations?k=5`),
    );
    expect(body.model).toBe('als');
    expect(body.run_id).toBe(run.run_id);
    expect(body.excluded_purchases).toBe(purchased.size);
    expect(body.items).toHaveLength(5);
    for (const item of body.items) {
      expect(item.model).toBe('als');
      expect(item.run_id).toBe(run.run_id);
      expect(purchased.has(item.item_id)).toBe(false);
    }
    // The very list the promoted artifact gives.
    const model = await loadModel(path.join(done.artifact_path!, 'als'));
    expect(body.items.map((i) => i.item_id)).toEqual(
      recommend(model, buyer, 5, { exclude: purchased }).map((r) => r.item_id),
    );
    expect(body.items.map((i) => i.score)).toEqual([...body.items.map((i) => i.score)].sort((a, b) => b - a));
  });

  it('recostream train --api --wait --json requests the run from the API and prints the final record', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/main.ts',
        'train',
        '--api',
        api.url,
        '--model',
        'als',
        '--reason',
        'from the CLI',
        '--wait',
        '--json',
      ],
      {
        cwd: path.join(import.meta.dirname, '../../..'),
        env: { ...process.env, ...s.stack.env({ LOG_LEVEL: 'warn' }) },
        timeout: 300_000,
      },
    );
    const run = JSON.parse(stdout) as TrainingRun;
    expect(run.status).toBe('succeeded');
    expect(JSON.parse(run.params.reason!)).toBe('from the CLI');
    // The API's trainer ran it: it is in the trainer's registry, with its artifacts in its DATA_DIR.
    expect(trainer.getRun(run.run_id)).toEqual(run);
    expect(run.artifact_path!.startsWith(dataDir)).toBe(true);
  });
});
