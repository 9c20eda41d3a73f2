import path from 'node:path';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { launchRedis, type RedisServerHandle } from '../../embedded/redis/launcher.js';
import { HealthRegistry } from '../../lib/health.js';
import { pipelineLag } from '../../processors/progress.js';
import { startProcessors, type RunningProcessors } from '../../processors/start.js';
import { ensureTopics } from '../../processors/topics.js';
import type { AvroSerde } from '../../schemas/serde.js';
import { createFeatureReader } from '../../sinks/redis/reader.js';
import { makeDataset, type Dataset } from '../harness/dataset.js';
import { produceInteractionsPaced, produceItems, waitForCaughtUp, waitUntil } from '../harness/kafka-io.js';
import { spawnCli } from '../harness/processes.js';
import { startStack, type Stack } from '../harness/stack.js';
import {
  featureTopicDifferences,
  oracleInputs,
  redisDifferences,
  type OracleInputs,
} from '../integration/processors/oracle-check.js';
import { recordResult, secondsSince } from './results.js';

/**
 * redis-server killed with SIGKILL in the middle of a replay while the processors run, then
 * started again on the same port and data directory. With AOF on, every acknowledged write is in
 * the AOF and the processors carry on. With AOF off, Redis comes back empty: the state is rebuilt
 * from the log (the Kappa promise) — by the running processors, which find Redis behind their
 * position and re-read from the offsets Redis holds (none: the log start), and by the documented
 * command `recostream reprocess --version v2 --switch`.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('redis-server killed with SIGKILL mid-replay', () => {
  let stack: Stack | undefined;
  let redisServer: RedisServerHandle | undefined;
  let processors: RunningProcessors | undefined;
  const clients: Redis[] = [];

  afterEach(async () => {
    await processors?.stop();
    for (const c of clients.splice(0)) c.disconnect();
    await redisServer?.stop().catch(() => undefined);
    await stack?.stop();
    processors = undefined;
    redisServer = undefined;
    stack = undefined;
  });

  async function run(appendOnly: boolean, seed: number) {
    const data: Dataset = makeDataset({ users: 250, items: 300, events: 24_000, days: 30, seed });
    stack = await startStack({ broker: true, registry: true });
    const redisDir = path.join(stack.dataDir, 'redis');
    redisServer = await launchRedis({ dataDir: redisDir, appendOnly, logger: stack.logger });
    const port = redisServer.port;
    const redisUrl = redisServer.url;
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    clients.push(redis);
    const kafka = stack.kafka();
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, 'v1');
    const serde = stack.serde();
    await produceItems(kafka, serde, data.items);
    const health = new HealthRegistry();
    processors = await startProcessors({
      which: 'all',
      version: 'v1',
      kafkaBrokers: [stack.brokers!],
      registryUrl: stack.registryUrl!,
      redisUrl,
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
    await waitUntil(async () => (await applied()) > 8000, 'a third of the events applied', 300_000, 200);
    const appliedBeforeKill = await applied();

    await redisServer.kill();
    const killedAt = performance.now();
    await waitUntil(() => !health.status().healthy, 'processors reporting Redis down', 30_000);
    await sleep(2000);
    redisServer = await launchRedis({ dataDir: redisDir, appendOnly, port, logger: stack.logger });
    const restartedAt = performance.now();
    const keysAfterRestart = await redis.dbsize();
    await waitUntil(() => health.status().healthy, 'processors healthy again', 120_000, 100);
    const healthyS = secondsSince(restartedAt);

    await producing;
    await waitForCaughtUp(kafka, redis, 'v1', 600_000);
    const caughtUpS = secondsSince(restartedAt);
    const input = oracleInputs(data.interactions, data.items);
    const result = await redisDifferences(createFeatureReader(redis), input, { version: 'v1' });
    expect(result.diffs.slice(0, 20)).toEqual([]);
    await expectTopicsEqual(kafka, serde, input, 'v1');
    await admin.disconnect();
    return {
      data,
      input,
      redis,
      appliedBeforeKill,
      keysAfterRestart,
      healthyS,
      caughtUpS,
      killedToRestartS: Math.round((restartedAt - killedAt) / 100) / 10,
      result,
    };
  }

  async function expectTopicsEqual(kafka: Kafka, serde: AvroSerde, input: OracleInputs, version: string) {
    expect((await featureTopicDifferences(kafka, serde, input, version)).slice(0, 20)).toEqual([]);
  }

  it('AOF on: nothing acknowledged is lost; the processors wait, resume, and equal the oracle', async () => {
    const r = await run(true, 51);
    expect(r.keysAfterRestart).toBeGreaterThan(0);
    recordResult({
      id: 'crash-redis-aof-on',
      group: 'crash',
      fault: 'redis-server SIGKILL, AOF on (fsync every second)',
      injection: `SIGKILL after ${r.appliedBeforeKill} of ${r.data.interactions.length} events applied, mid-replay; restarted on the same port and data dir ${r.killedToRestartS} s later; in-process processors running throughout`,
      mustHold:
        'State reloaded from the AOF; processors unhealthy while Redis is down, healthy again, caught up; Redis and the feature topics equal the oracle',
      result: `${r.keysAfterRestart} keys loaded from the AOF; healthy ${r.healthyS} s after the restart, caught up ${r.caughtUpS} s after it; ${r.result.users} users and ${r.result.items} items equal the oracle`,
      figures: {
        appliedBeforeKill: r.appliedBeforeKill,
        keysAfterRestart: r.keysAfterRestart,
        healthyS: r.healthyS,
        caughtUpS: r.caughtUpS,
      },
    });
  });

  it('AOF off: Redis comes back empty; the state is rebuilt from the log, by the running processors and by `recostream reprocess --version v2 --switch`', async () => {
    const r = await run(false, 52);
    expect(r.keysAfterRestart).toBe(0);
    // The documented command: a new version computed from offset 0 of the log, then switched to.
    const started = performance.now();
    const reprocess = spawnCli(
      ['reprocess', '--version', 'v2', '--switch', '--exit'],
      stack!.env({ REDIS_URL: redisServer!.url, DEDUPE_HORIZON_DAYS: '3650' }),
    );
    const exit = await reprocess.exited;
    expect({ exit, output: exit.code === 0 ? '' : reprocess.output() }).toEqual({
      exit: { code: 0, signal: null },
      output: '',
    });
    const reprocessS = secondsSince(started);
    const reader = createFeatureReader(r.redis);
    expect((await reader.resolveVersion()).version).toBe('v2');
    const v2 = await redisDifferences(reader, r.input);
    expect(v2.diffs.slice(0, 20)).toEqual([]);
    await expectTopicsEqual(stack!.kafka(), stack!.serde(), r.input, 'v2');
    recordResult({
      id: 'crash-redis-aof-off',
      group: 'crash',
      fault: 'redis-server SIGKILL, AOF off (Redis as a cache)',
      injection: `SIGKILL after ${r.appliedBeforeKill} of ${r.data.interactions.length} events applied, mid-replay; restarted empty ${r.killedToRestartS} s later; then \`recostream reprocess --version v2 --switch --exit\``,
      mustHold:
        'The running processors see Redis behind their position and re-read the log from the offsets Redis holds (the log start); v1 equals the oracle; the command rebuilds v2 from offset 0, switches readers to it, and v2 equals the oracle',
      result: `Redis restarted with ${r.keysAfterRestart} keys; processors healthy ${r.healthyS} s later and v1 rebuilt from the log ${r.caughtUpS} s after the restart (equal to the oracle); reprocess v2 + switch took ${reprocessS} s (equal to the oracle, readers on v2)`,
      figures: {
        appliedBeforeKill: r.appliedBeforeKill,
        healthyS: r.healthyS,
        rebuiltS: r.caughtUpS,
        reprocessS,
      },
    });
  });
});
