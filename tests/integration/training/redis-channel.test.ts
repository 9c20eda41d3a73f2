import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingRun } from '../../../schemas/types.js';
import {
  redisTrainerClient,
  serveTrainerOverRedis,
  TRAINING_KEYS,
  TrainerUnavailableError,
} from '../../../training/remote/redis-channel.js';
import { startedRecord } from '../../../training/runs/record.js';
import type { RunRequest, Trainer } from '../../../training/trainer.js';
import { startStack, type Stack } from '../../harness/stack.js';

/**
 * A `recostream api` process reaching a `recostream trainer` process through a real redis-server:
 * requests and answers travel on Redis lists; without the trainer's heartbeat the client says at
 * once that no trainer runs. The trainer here records what it is asked (the daemon itself is
 * tested in trainer.test.ts).
 */

let stack: Stack;
const requests: RunRequest[] = [];

function run(runId: string, status: string): TrainingRun {
  return {
    ...startedRecord(
      {
        runId,
        trigger: 'manual',
        featureVersion: 'v1',
        protocol: 'temporal',
        folds: null,
        seed: 0,
        models: null,
        params: {},
        promotionMetric: 'ndcg@10',
      },
      Date.UTC(2024, 0, 1),
    ),
    status,
  };
}

const recordingTrainer: Trainer = {
  requestRun(request = {}) {
    requests.push(request);
    return Promise.resolve({ runId: 'run-2', coalesced: true, run: run('run-2', 'queued') });
  },
  waitForRun: () => Promise.reject(new Error('not used')),
  checkNow: () => Promise.resolve(null),
  checkHealth: () => Promise.resolve(),
  status: () => ({
    state: 'running',
    featureVersion: 'v1',
    tracking: true,
    changedEntities: 0,
    lastRunAt: null,
    running: null,
    queued: null,
    policy: { minChangedEntities: 1, minIntervalMs: 0, maxIntervalMs: 1 },
    health: { healthy: true, reason: null, checks: {} },
  }),
  getRun: (id) => (id === 'run-1' ? run('run-1', 'succeeded') : null),
  listRuns: (limit = 50) => [run('run-2', 'queued'), run('run-1', 'succeeded')].slice(0, limit),
  onProgress: () => () => undefined,
  close: () => Promise.resolve(),
};

beforeAll(async () => {
  stack = await startStack({ redis: true });
});

afterAll(async () => {
  await stack?.stop();
});

describe('the trainer over Redis', () => {
  it('answers that no trainer runs while none serves the channel', async () => {
    const client = redisTrainerClient(stack.redis());
    await expect(client.listRuns({ limit: 5 })).rejects.toBeInstanceOf(TrainerUnavailableError);
  });

  it('carries triggers, lists and lookups to the trainer and its answers back', async () => {
    const served = serveTrainerOverRedis(recordingTrainer, stack.redis(), stack.logger);
    try {
      await served.ready;
      const client = redisTrainerClient(stack.redis());
      const outcome = await client.trigger({
        model: 'als',
        reason: 'over redis',
        protocol: 'kfold',
        folds: 3,
      });
      expect(outcome).toEqual({ accepted: true, run: run('run-2', 'queued') });
      expect(requests).toEqual([
        { models: ['als'], reason: 'over redis', protocol: 'kfold', folds: 3, seed: undefined },
      ]);
      expect((await client.listRuns({ limit: 1 })).map((r) => r.run_id)).toEqual(['run-2']);
      expect(await client.getRun('run-1')).toEqual(run('run-1', 'succeeded'));
      expect(await client.getRun('nope')).toBeNull();
      // A refused request comes back as an error, not a timeout.
      await expect(client.trigger({ model: 'svd' })).rejects.toThrow(/unknown model svd/);
    } finally {
      await served.close();
    }
    expect(await stack.redis().exists(TRAINING_KEYS.heartbeat)).toBe(0);
  });
});
