import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SINK_GROUP } from '../../../sinks/clickhouse/sink.js';
import { loadModel } from '../../../training/models/index.js';
import { executeRun, type RunContext } from '../../../training/runs/execute.js';
import { newRunId, type RunDefinition } from '../../../training/runs/record.js';
import { RunRegistry } from '../../../training/runs/registry.js';
import { readPromoted } from '../../../training/serving/promoted.js';
import { plantedInteractions, startTrainingStack, type TrainingStack } from '../../harness/training-stack.js';

/**
 * A run's snapshot against the real broker and chDB: records appended after the end offsets are
 * recorded are not in the run (features and labels alike), the same snapshot and seed give the
 * same metrics and the same model bytes, and promotion refuses a model worse than the served one.
 */

// Without item life cycles: collaborative filtering clearly beats popularity on this little data.
const events = plantedInteractions({ users: 120, items: 80, interactions: 4000, seed: 5, lifecycles: false });
// Late arrivals: new users, with event times inside the snapshot's clock (old events, replayed late).
const late = plantedInteractions({ users: 15, items: 80, interactions: 400, seed: 99 }, 'late-').map((e) => ({
  ...e,
  user_id: `late-${e.user_id}`,
}));

let ts: TrainingStack;
let ctx: RunContext;

function definition(overrides: Partial<RunDefinition> = {}): RunDefinition {
  return {
    runId: newRunId(Date.now()),
    trigger: 'manual',
    featureVersion: 'v1',
    protocol: 'temporal',
    folds: null,
    seed: 7,
    models: ['als'],
    params: { als: { factors: 16, iterations: 8 } },
    promotionMetric: 'ndcg@10',
    ...overrides,
  };
}

beforeAll(async () => {
  ts = await startTrainingStack();
  await ts.addInteractions(events);
  await ts.publishFeatures(events);
  const registry = new RunRegistry({
    kafka: ts.kafka,
    admin: ts.admin,
    serde: ts.serde,
    producer: ts.producer,
    logger: ts.stack.logger,
  });
  ctx = {
    kafka: ts.kafka,
    admin: ts.admin,
    serde: ts.serde,
    labels: ts.clickhouse,
    registry,
    logger: ts.stack.logger,
    dataDir: ts.dataDir,
    sink: { groupId: DEFAULT_SINK_GROUP, timeoutMs: 120_000 },
    isolation: 'inline',
    now: Date.now,
  };
});

afterAll(async () => {
  await ts?.stop();
});

describe('training snapshot', () => {
  let first: Awaited<ReturnType<typeof executeRun>>;

  it('leaves out records appended after the end offsets were recorded', async () => {
    first = await executeRun(ctx, definition(), {
      // Between recording the offsets and reading: late events and their users' features land
      // in the topics, and the sink stores the events in ClickHouse before the labels are read.
      onOffsetsRecorded: async () => {
        await ts.addInteractions(late);
        await ts.publishFeatures([...events, ...late], 'users');
      },
    });
    expect(first.run.status).toBe('succeeded');
    const nUsers = new Set(events.map((e) => e.user_id)).size;
    expect(first.run.data_sizes.labels).toBe(events.length);
    expect(first.run.data_sizes.user_features).toBe(nUsers);
    expect(first.run.data_sizes.users).toBe(nUsers);
    // The late events' times are inside the clock: only the offsets keep them out.
    expect(Math.min(...late.map((e) => e.event_time))).toBeLessThan(first.run.snapshot_clock!);
    const model = await loadModel(path.join(first.run.artifact_path!, 'als'));
    expect(model.users.size).toBe(nUsers);
    expect(late.every((e) => model.users.indexOf(e.user_id) < 0)).toBe(true);
  });

  it('the same snapshot and seed give the same metrics and the same model', async () => {
    const again = await executeRun(
      ctx,
      definition(),
      // The topics and ClickHouse hold more data by now; the snapshot id pins what is read.
      {
        reuse: { featureVersion: 'v1', offsets: first.run.snapshot_offsets, clock: first.run.snapshot_clock },
      },
    );
    expect(again.run.status).toBe('succeeded');
    expect(again.run.run_id).not.toBe(first.run.run_id);
    expect(again.run.snapshot_offsets).toEqual(first.run.snapshot_offsets);
    expect(again.run.data_sizes).toEqual(first.run.data_sizes);
    expect(again.run.metrics).toEqual(first.run.metrics);
    expect(again.run.metrics.length).toBeGreaterThan(10);
    expect(again.run.artifact_checksum).toBe(first.run.artifact_checksum);

    // A new snapshot now includes the late arrivals.
    const fresh = await executeRun(ctx, definition());
    expect(fresh.run.data_sizes.labels).toBe(events.length + late.length);
    expect(fresh.run.artifact_checksum).not.toBe(first.run.artifact_checksum);
  });
});

describe('promotion', () => {
  it('refuses a model worse than the served one and keeps serving it', async () => {
    const served = await readPromoted(ts.dataDir);
    expect(served).not.toBeNull();
    const servedNdcg = served!.metrics['ndcg@10']!;

    // One factor and one sweep cannot represent the planted taste clusters.
    const worse = await executeRun(
      ctx,
      definition({ params: { als: { factors: 1, iterations: 1 } }, reason: 'a deliberately weak model' }),
    );
    expect(worse.run.status).toBe('succeeded');
    const candidate = worse.run.metrics.find(
      (m) => m.model === 'als' && m.split === 'validation' && m.metric === 'ndcg@10',
    )!.value;
    expect(candidate).toBeLessThan(servedNdcg);
    expect(worse.run.promoted).toBe(false);
    expect(worse.run.promotion_reason).toMatch(/does not beat/);
    expect(await readPromoted(ts.dataDir)).toEqual(served);
  });
});
