import { afterAll, describe, expect, it } from 'vitest';
import { HealthRegistry } from '../../../lib/health.js';
import { pipelineLag } from '../../../processors/progress.js';
import { startProcessors, type RunningProcessors } from '../../../processors/start.js';
import { ensureTopics } from '../../../processors/topics.js';
import { createFeatureReader } from '../../../sinks/redis/reader.js';
import { makeDataset } from '../../harness/dataset.js';
import {
  produceInteractionsPaced,
  produceItems,
  waitForCaughtUp,
  waitUntil,
} from '../../harness/kafka-io.js';
import { startStack, type Stack } from '../../harness/stack.js';
import { featureTopicDifferences, oracleInputs, redisDifferences } from './oracle-check.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * redis-server stopped for 10 s in the middle of a replay: the processors pause, report
 * unhealthy, retry with backoff, and resume without losing or double-counting anything.
 */
describe('Redis unreachable for 10 s mid-replay', () => {
  let stack: Stack | undefined;
  let running: RunningProcessors | undefined;

  afterAll(async () => {
    await running?.stop();
    await stack?.stop();
  });

  it('pauses, reports unhealthy, resumes, and ends equal to the oracle', async () => {
    const data = makeDataset({ users: 250, items: 300, events: 20_000, days: 30, seed: 31 });
    stack = await startStack({ redis: true, broker: true, registry: true });
    const kafka = stack.kafka();
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, 'v1');
    const serde = stack.serde();
    const redis = stack.redis();
    await produceItems(kafka, serde, data.items);
    const health = new HealthRegistry();
    running = await startProcessors({
      which: 'all',
      version: 'v1',
      kafkaBrokers: [stack.brokers!],
      registryUrl: stack.registryUrl!,
      redisUrl: stack.redisUrl!,
      logger: stack.logger,
      dedupeHorizonDays: 3650,
      health,
    });
    const producing = produceInteractionsPaced(kafka, serde, data.interactions, {
      chunk: 1000,
      pauseMs: 500,
    });
    const applied = async () =>
      (await pipelineLag(admin, redis, 'v1')).partitions.reduce((s, p) => s + p.next, 0);
    await waitUntil(async () => (await applied()) > 4000, 'some events applied');

    await stack.stopRedis();
    const stoppedAt = Date.now();
    await waitUntil(() => !health.status().healthy, 'processors reporting unhealthy', 10_000);
    const unhealthy = health.status().components.filter((c) => !c.healthy);
    expect(unhealthy.map((c) => c.name).sort()).toEqual([
      'processor:item-features:v1',
      'processor:user-features:v1',
    ]);
    expect(running.status().every((s) => !s.healthy)).toBe(true);
    await sleep(Math.max(0, 10_000 - (Date.now() - stoppedAt)));
    // The replay keeps producing during the outage: the backlog grows while Redis is away.
    await stack.restartRedis();

    await producing;
    await waitForCaughtUp(kafka, redis, 'v1');
    await waitUntil(() => health.status().healthy, 'processors healthy again', 30_000);
    const input = oracleInputs(data.interactions, data.items);
    expect((await redisDifferences(createFeatureReader(redis), input)).diffs.slice(0, 20)).toEqual([]);
    expect((await featureTopicDifferences(kafka, serde, input)).slice(0, 20)).toEqual([]);
    await admin.disconnect();
  });
});
