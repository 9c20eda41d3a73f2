import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../../../processors/topics.js';
import type { Interaction, TrainingRun } from '../../../schemas/types.js';
import { TypedProducer } from '../../../topology/producer.js';
import { TOPIC } from '../../../topology/topics.js';
import { readPromoted } from '../../../training/serving/promoted.js';
import { readLatest } from '../../harness/kafka-io.js';
import { startStack, type Stack } from '../../harness/stack.js';
import { plantedInteractions } from '../../harness/training-stack.js';
import { entryPoint } from '../../harness/entry-points.js';

/**
 * `recostream train` as a user runs it, against the real broker, registry and redis-server: no
 * API answers, so the command trains in its own process — it owns the embedded chDB in DATA_DIR,
 * runs the ClickHouse sink until the snapshot's interactions are stored, computes on a worker
 * thread, and prints the run record with --json.
 */

const ROOT = path.join(import.meta.dirname, '../../..');
const events = plantedInteractions({ users: 120, items: 80, interactions: 4000, seed: 5, lifecycles: false });
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ broker: true, registry: true, redis: true });
  const kafka = stack.kafka('train-cli-test');
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, 'v1');
  await admin.disconnect();
  const producer = new TypedProducer(kafka, stack.serde());
  const result = await producer.produce(TOPIC.interactions, events as Interaction[]);
  await producer.disconnect();
  expect(result.failed).toEqual([]);
});

afterAll(async () => {
  await stack?.stop();
});

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [...entryPoint('cli/main.ts'), ...args], {
    cwd: ROOT,
    // API_PORT 1: nothing listens there, so the command trains in this process.
    env: { ...process.env, ...stack.env({ API_PORT: '1', LOG_LEVEL: 'warn' }) },
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe('recostream train', () => {
  it('--json trains in its own process when no API answers and prints the run record', async () => {
    const { stdout } = await cli('train', '--model', 'als', '--seed', '3', '--json', '--reason', 'cli test');
    const run = JSON.parse(stdout) as TrainingRun;
    expect(run).toMatchObject({
      status: 'succeeded',
      trigger: 'manual',
      protocol: 'temporal',
      seed: 3,
      feature_version: 'v1',
      served_model: 'als',
      promoted: true,
      error: null,
    });
    expect(JSON.parse(run.params.reason!)).toBe('cli test');
    expect(run.data_sizes.labels).toBe(events.length);
    expect(run.snapshot_offsets.filter((o) => o.topic === TOPIC.interactions)).toHaveLength(6);
    expect(run.metrics.some((m) => m.model === 'als' && m.split === 'test' && m.metric === 'ndcg@10')).toBe(
      true,
    );
    expect(run.metrics.some((m) => m.model === 'popularity' && m.split === 'validation')).toBe(true);
    expect(Object.keys(run.durations_ms)).toEqual(
      expect.arrayContaining(['labels', 'fit', 'evaluate', 'total']),
    );
    expect((await stat(path.join(run.artifact_path!, 'als', 'model.json'))).isFile()).toBe(true);
    expect((await readPromoted(stack.dataDir))?.run_id).toBe(run.run_id);

    // The same record is on the training-runs topic.
    const onTopic = await readLatest(
      stack.kafka('train-cli-read'),
      stack.serde(),
      TOPIC.trainingRuns,
      'TrainingRun',
    );
    expect(onTopic.get(run.run_id)).toEqual(run);
  });

  it('prints the metric table and the promotion outcome without --json', async () => {
    const { stdout } = await cli('train', '--model', 'als', '--protocol', 'kfold', '--folds', '3', '--local');
    expect(stdout).toMatch(/run run-\S+: succeeded/);
    expect(stdout).toContain('test (mean of folds)');
    expect(stdout).toMatch(/ndcg@10/);
    expect(stdout).toMatch(/not promoted: |promoted: /);
  });
});
