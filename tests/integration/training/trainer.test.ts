import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingRun } from '../../../schemas/types.js';
import { TOPIC, userFeaturesTopic } from '../../../topology/topics.js';
import { startTrainer, type Trainer } from '../../../training/trainer.js';
import { readPromoted } from '../../../training/serving/promoted.js';
import { readLatest, waitUntil } from '../../harness/kafka-io.js';
import { selectRows } from '../../harness/clickhouse.js';
import { plantedInteractions, startTrainingStack, type TrainingStack } from '../../harness/training-stack.js';

/**
 * The trainer against the real broker, registry and chDB with the ClickHouse sink: the trigger
 * policy at its thresholds (with the trainer's clock injected), coalescing of requests made during
 * a run, and run records on `training-runs` and in ClickHouse `training_runs`.
 */

const MINUTE = 60_000;
const events = plantedInteractions({
  users: 120,
  items: 80,
  interactions: 4000,
  seed: 11,
  lifecycles: false,
});
const nUsers = new Set(events.map((e) => e.user_id)).size;
const nItems = new Set(events.map((e) => e.item_id)).size;
/** Between the user count and users + items: the users alone stay below it. */
const THRESHOLD = nUsers + Math.ceil(nItems / 2);

let ts: TrainingStack;
let trainer: Trainer;
let clock = Date.UTC(2024, 6, 1, 12);

beforeAll(async () => {
  ts = await startTrainingStack();
  await ts.addInteractions(events);
  trainer = await startTrainer({
    kafka: ts.kafka,
    serde: ts.serde,
    clickhouse: ts.clickhouse,
    dataDir: ts.dataDir,
    logger: ts.stack.logger,
    featureVersion: ts.version,
    producer: ts.producer,
    policy: { minChangedEntities: THRESHOLD, minIntervalMs: 10 * MINUTE, maxIntervalMs: 60 * MINUTE },
    defaults: { models: ['als'], params: { als: { factors: 16, iterations: 6 } } },
    isolation: 'inline',
    now: () => clock,
    // The policy is checked on every change and by the explicit checkNow() calls below.
    checkIntervalMs: 3_600_000,
  });
  await waitUntil(() => trainer.status().tracking, 'the trainer to track the feature topics', 60_000);
});

afterAll(async () => {
  await trainer?.close();
  await ts?.stop();
});

async function changesCounted(n: number): Promise<void> {
  await waitUntil(() => trainer.status().changedEntities === n, `${n} changed entities counted`, 60_000);
}

function runsWith(trigger: string): TrainingRun[] {
  return trainer.listRuns(100).filter((r) => r.trigger === trigger);
}

async function finishedRun(trigger: string, count: number): Promise<TrainingRun> {
  await waitUntil(() => runsWith(trigger).length >= count, `run #${count} with trigger ${trigger}`, 60_000);
  const run = runsWith(trigger)[0]!;
  return trainer.waitForRun(run.run_id, 120_000);
}

describe('trainer trigger policy', () => {
  it('does not fire below the changed-entity threshold, fires at it', async () => {
    expect(await ts.publishFeatures(events, 'users')).toBe(nUsers);
    await changesCounted(nUsers);
    expect(nUsers).toBeLessThan(THRESHOLD);
    expect(await trainer.checkNow()).toBeNull();
    expect(trainer.listRuns()).toHaveLength(0);

    // + the items: over the threshold; the trainer never ran, so no minimum interval applies.
    await ts.publishFeatures(events, 'items');
    const run = await finishedRun('changed_entities', 1);
    expect(run.status).toBe('succeeded');
    expect(run.data_sizes.user_features).toBe(nUsers);
    expect(run.data_sizes.item_features).toBe(nItems);
    expect(run.data_sizes.labels).toBe(events.length);
    // Every entity of the snapshot was trained on: nothing counts toward the next run.
    await changesCounted(0);
  });

  it('waits for the minimum interval after a run, however many entities changed', async () => {
    const before = runsWith('changed_entities').length;
    // Feature records again for every key (new offsets), right after the last run.
    await ts.publishFeatures(events);
    await changesCounted(nUsers + nItems);
    expect(await trainer.checkNow()).toBeNull();
    clock += 9 * MINUTE;
    expect(await trainer.checkNow()).toBeNull();
    expect(runsWith('changed_entities')).toHaveLength(before);

    clock += MINUTE;
    expect(await trainer.checkNow()).toBe('changed_entities');
    const run = await finishedRun('changed_entities', before + 1);
    expect(run.status).toBe('succeeded');
    await changesCounted(0);
  });

  it('runs after the maximum interval while anything changed, and not before', async () => {
    // One changed user: far below the threshold.
    const oneUser = events.filter((e) => e.user_id === 'u1');
    await ts.publishFeatures(oneUser, 'users');
    await changesCounted(1);
    clock += 59 * MINUTE;
    expect(await trainer.checkNow()).toBeNull();
    clock += MINUTE;
    expect(await trainer.checkNow()).toBe('max_interval');
    const run = await finishedRun('max_interval', 1);
    expect(run.status).toBe('succeeded');
    await changesCounted(0);

    // Nothing changed: no run, however long it has been.
    clock += 10 * 60 * MINUTE;
    expect(await trainer.checkNow()).toBeNull();
  });
});

describe('manual requests', () => {
  it('coalesces every request made during a run into one next run', async () => {
    const before = trainer.listRuns(100).length;
    const first = await trainer.requestRun({ reason: 'first' });
    expect(first.coalesced).toBe(false);
    expect(first.run.status).toBe('running');
    // The first run is still taking its snapshot: both requests join one queued run.
    const second = await trainer.requestRun({ reason: 'second' });
    const third = await trainer.requestRun({ reason: 'third' });
    expect(second.coalesced).toBe(true);
    expect(third.runId).toBe(second.runId);
    expect(second.run.status).toBe('queued');
    expect(trainer.status().queued).toEqual({ runId: second.runId, requests: 2 });
    expect(trainer.getRun(second.runId)?.status).toBe('queued');

    const done = await trainer.waitForRun(second.runId, 120_000);
    expect(done.status).toBe('succeeded');
    expect(done.trigger).toBe('manual');
    expect(JSON.parse(done.params.reason!)).toBe('third');
    expect((await trainer.waitForRun(first.runId)).status).toBe('succeeded');
    // Two runs for three requests.
    expect(trainer.listRuns(100)).toHaveLength(before + 2);
    expect(trainer.status().queued).toBeNull();
  });
});

describe('run records', () => {
  it('publishes each run to training-runs and the sink stores it in training_runs', async () => {
    const latest = trainer.listRuns(1)[0]!;
    const onTopic = await readLatest(ts.kafka, ts.serde, TOPIC.trainingRuns, 'TrainingRun');
    expect(onTopic.get(latest.run_id)).toEqual(latest);
    expect(latest.snapshot_offsets.some((o) => o.topic === userFeaturesTopic('v1'))).toBe(true);
    expect(latest.snapshot_clock).toBeGreaterThan(0);
    expect(latest.artifact_checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(
      latest.metrics.some((m) => m.model === 'als' && m.split === 'validation' && m.metric === 'ndcg@10'),
    ).toBe(true);
    expect(latest.metrics.some((m) => m.model === 'popularity' && m.metric === 'ndcg@10')).toBe(true);

    await waitUntil(
      async () =>
        (
          await selectRows<{ status: string }>(
            ts.owner.client,
            `SELECT status FROM recostream.training_runs FINAL WHERE run_id = '${latest.run_id}'`,
          )
        )[0]?.status === 'succeeded',
      'the run in ClickHouse training_runs',
      60_000,
    );
    const [row] = await selectRows<{ metrics: number; promoted: boolean; trigger: string }>(
      ts.owner.client,
      `SELECT length(metrics) AS metrics, promoted, trigger FROM recostream.training_runs FINAL WHERE run_id = '${latest.run_id}'`,
    );
    expect(row).toEqual({ metrics: latest.metrics.length, promoted: latest.promoted, trigger: 'manual' });
  });

  it('promoted the first run that beat popularity and records why later runs were not', async () => {
    const runs = trainer.listRuns(100).filter((r) => r.status === 'succeeded');
    const promoted = runs.filter((r) => r.promoted);
    expect(promoted.length).toBeGreaterThanOrEqual(1);
    const pointer = await readPromoted(ts.dataDir);
    // The pointer names the newest promoted run.
    expect(pointer?.run_id).toBe(promoted[0]!.run_id);
    expect(pointer?.model).toBe('als');
    for (const run of runs) expect(run.promotion_reason).toBeTruthy();
  });
});

describe('restart', () => {
  it('counts the same changes after a restart: from the last successful run, not from zero or from scratch', async () => {
    // Two users changed and were counted (their offsets committed by the trainer's group)...
    const two = events.filter((e) => ['u5', 'u6'].includes(e.user_id));
    await ts.publishFeatures(two, 'users');
    await changesCounted(2);
    await trainer.close();
    // ...then three more while no trainer ran.
    const three = events.filter((e) => ['u2', 'u3', 'u4'].includes(e.user_id));
    await ts.publishFeatures(three, 'users');
    trainer = await startTrainer({
      kafka: ts.kafka,
      serde: ts.serde,
      clickhouse: ts.clickhouse,
      dataDir: ts.dataDir,
      logger: ts.stack.logger,
      featureVersion: ts.version,
      producer: ts.producer,
      policy: { minChangedEntities: THRESHOLD, minIntervalMs: 10 * MINUTE, maxIntervalMs: 60 * MINUTE },
      isolation: 'inline',
      now: () => clock,
      checkIntervalMs: 3_600_000,
    });
    await waitUntil(
      () => trainer.status().tracking,
      'the restarted trainer to track the feature topics',
      60_000,
    );
    // All five: counting restarts at the last successful run's snapshot, not at the committed offsets.
    await changesCounted(5);
    // The history came back from training-runs.
    expect(trainer.listRuns(100).filter((r) => r.status === 'succeeded').length).toBeGreaterThanOrEqual(5);
  });
});
