import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, launchRedis, type RedisServerHandle } from '../../embedded/redis/launcher.js';
import { startRegistry, type RunningRegistry } from '../../embedded/registry/index.js';
import { createKafka } from '../../lib/kafka.js';
import { processorLag } from '../../processors/progress.js';
import { ensureTopics } from '../../processors/topics.js';
import type { QualityReport } from '../../replay/report.js';
import { AvroSerde } from '../../schemas/serde.js';
import { createFeatureReader } from '../../sinks/redis/reader.js';
import { TOPIC } from '../../topology/topics.js';
import { rng } from '../harness/dataset.js';
import { waitForCaughtUp, waitUntil } from '../harness/kafka-io.js';
import { spawnBroker, spawnCli, type BrokerProcess, type ChildHandle } from '../harness/processes.js';
import { harnessLogger } from '../harness/stack.js';
import {
  featureTopicDifferences,
  oracleInputsFromLog,
  redisDifferences,
} from '../integration/processors/oracle-check.js';
import { recordResult, secondsSince } from './results.js';

/**
 * The broker process (fsync per produce) killed with SIGKILL in the middle of `recostream replay`
 * while the processors consume, then started again on the same port and data directory. Every
 * record the replay had acknowledged must still be there; the replay either rides the outage out
 * (its producer retries) or fails, and is then run again (the same rows give the same event_ids;
 * a failed replay needs no --force); the processors reconnect; the features equal the oracle over
 * the log.
 *
 * Two outages: a short one (3 s), which the replay's producer rides out, and one that lasts until
 * the replay has given up, so that the re-run path is taken every time.
 */

interface Outage {
  name: 'short' | 'long';
  /** Down for this long (short), or until the replay exits (long; at most this long). */
  downMs: number;
}

const OUTAGES: Outage[] = [
  { name: 'short', downMs: 3000 },
  { name: 'long', downMs: 180_000 },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('broker killed with SIGKILL during a replay', () => {
  const children: ChildHandle[] = [];
  const dirs: string[] = [];
  let broker: BrokerProcess | undefined;
  let registry: RunningRegistry | undefined;
  let redisServer: RedisServerHandle | undefined;
  const clients: Redis[] = [];

  afterEach(async () => {
    for (const c of children.splice(0)) await c.kill('SIGKILL');
    for (const c of clients.splice(0)) c.disconnect();
    await registry?.close().catch(() => undefined);
    await broker?.kill();
    await redisServer?.stop().catch(() => undefined);
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it.each(OUTAGES)(
    '$name outage: acknowledged records survive; the replay completes or is re-run with the same event_ids; features equal the oracle',
    async (outage) => {
      const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
      const random = rng(seed);
      const root = await mkdtemp(path.join(tmpdir(), 'reliability-broker-crash-'));
      dirs.push(root);
      const port = await freePort();
      broker = await spawnBroker(path.join(root, 'kafka'), ['--flush', 'always'], { port });
      const brokers = `127.0.0.1:${port}`;
      registry = await startRegistry({ port: 0, brokers: [brokers], logger: harnessLogger });
      redisServer = await launchRedis({ dataDir: path.join(root, 'redis'), logger: harnessLogger });
      const kafka = createKafka({ brokers: [brokers], clientId: 'reliability', logger: harnessLogger });
      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, 'v1');
      await admin.disconnect();
      const env = {
        KAFKA_BROKERS: brokers,
        SCHEMA_REGISTRY_URL: registry.url,
        REDIS_URL: redisServer.url,
        DATA_DIR: root,
        DEDUPE_HORIZON_DAYS: '3650',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        LOG_FORMAT: 'json',
      };
      const cli = (args: string[]) => {
        const child = spawnCli(args, env);
        children.push(child);
        return child;
      };
      const mustSucceed = async (child: ChildHandle) => {
        const exit = await child.exited;
        expect({ exit, output: exit.code === 0 ? '' : child.output() }).toEqual({
          exit: { code: 0, signal: null },
          output: '',
        });
      };
      const gen = path.join(root, 'gen');
      await mustSucceed(
        cli([
          'generate',
          '--users',
          '300',
          '--items',
          '400',
          '--interactions',
          '20000',
          '--out',
          gen,
          '--seed',
          String(seed % 1000),
        ]),
      );
      await mustSucceed(cli(['replay', 'items', path.join(gen, 'items.csv')]));
      const processors = cli(['process', 'all', '--session-timeout', '6000']);

      const firstReport = path.join(root, 'first.json');
      const replay = cli([
        'replay',
        'interactions',
        path.join(gen, 'interactions.csv'),
        '--rate',
        '1500',
        '--report',
        firstReport,
      ]);
      // Killed at a random point while the replay produces (not while it starts: the outage must
      // cut acknowledged records from unacknowledged ones).
      const killAtRecords = 1000 + Math.floor(random() * 7000);
      const replayStarted = performance.now();
      await waitUntil(
        async () => (await endTotal(kafka)) >= killAtRecords,
        `the replay producing ${killAtRecords} records`,
        120_000,
        20,
      );
      const killAfterS = secondsSince(replayStarted);
      const endsBeforeKill = await endTotal(kafka);
      await broker.kill();
      const killedAt = performance.now();
      if (outage.name === 'short') await sleep(outage.downMs);
      else await Promise.race([replay.exited, sleep(outage.downMs)]);
      const downS = secondsSince(killedAt);
      const restartAt = performance.now();
      broker = await spawnBroker(path.join(root, 'kafka'), ['--flush', 'always'], { port });
      const brokerReadyS = secondsSince(restartAt);

      const replayExit = await replay.exited;
      if (outage.name === 'long') expect(replayExit.code).not.toBe(0);
      const first = JSON.parse(await readFile(firstReport, 'utf8')) as QualityReport;
      const afterRestart = await endTotal(kafka);
      // Every record the replay had acknowledged is on the log after the restart.
      expect(afterRestart).toBeGreaterThanOrEqual(first.produced);
      expect(afterRestart).toBeGreaterThanOrEqual(endsBeforeKill);
      let rerun: QualityReport | null = null;
      if (replayExit.code !== 0) {
        expect(first.status).toBe('failed');
        const secondReport = path.join(root, 'second.json');
        await mustSucceed(
          cli(['replay', 'interactions', path.join(gen, 'interactions.csv'), '--report', secondReport]),
        );
        rerun = JSON.parse(await readFile(secondReport, 'utf8')) as QualityReport;
        expect(rerun.status).toBe('completed');
      } else {
        expect(first.status).toBe('completed');
      }
      const complete = rerun ?? first;
      expect(complete.produced).toBe(complete.accepted);

      const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
      clients.push(redis);
      await waitForCaughtUp(kafka, redis, 'v1', 900_000);
      const caughtUpS = secondsSince(restartAt);
      expect(processors.child.exitCode).toBeNull();

      const serde = new AvroSerde({ url: registry.url });
      const input = await oracleInputsFromLog(kafka, serde);
      const distinct = new Set(input.interactions.map((e) => e.event_id)).size;
      // The log holds every accepted row of the file, once or (re-run) twice, never a third id.
      expect(distinct).toBe(complete.accepted);
      const result = await redisDifferences(createFeatureReader(redis), input);
      expect(result.diffs.slice(0, 20)).toEqual([]);
      expect((await featureTopicDifferences(kafka, serde, input)).slice(0, 20)).toEqual([]);
      const admin2 = kafka.admin();
      await admin2.connect();
      expect((await processorLag(admin2, redis, 'v1', 'user-features')).every((p) => p.lag === 0)).toBe(true);
      await admin2.disconnect();
      await processors.kill('SIGTERM');

      const outcome =
        rerun === null
          ? `the replay rode the outage out (its producer retried) and completed: ${first.produced} records`
          : `the replay failed after ${first.produced} acknowledged records ("${first.message.slice(0, 200)}"), all of them on the log after the restart; run again: ${rerun.produced} records, the same event_ids`;
      recordResult({
        id: `crash-broker-sigkill-replay-${outage.name}`,
        group: 'crash',
        fault:
          outage.name === 'short'
            ? 'Broker process SIGKILL during a replay (fsync per produce), back within seconds'
            : 'Broker process SIGKILL during a replay (fsync per produce), down until the replay gives up',
        injection: `\`recostream replay interactions\` of ${complete.rows_read} generated rows at 1,500/s, \`recostream process all\` consuming; broker killed ${killAfterS} s in, once ${endsBeforeKill} records were on the log, down ${downS} s${outage.name === 'long' ? ' (until the replay exited)' : ''}, restarted on the same port and data dir (seed ${seed})`,
        mustHold:
          'Every record the replay had acknowledged is on the log after the restart; the replay completes or, run again, gives the same event_ids (a report is written either way); the processors reconnect; Redis and the feature topics equal the oracle over the log',
        result: `${outcome}; broker ready ${brokerReadyS} s after its restart; ${distinct} distinct events on the log (${input.interactions.length} records); processors caught up ${caughtUpS} s after the restart; ${result.users} users and ${result.items} items equal the oracle`,
        figures: {
          seed,
          acknowledgedBeforeFailure: first.produced,
          onLogAfterRestart: afterRestart,
          rerun: rerun !== null,
          downS,
          brokerReadyS,
          caughtUpS,
          distinct,
        },
      });
    },
  );
});

async function endTotal(kafka: ReturnType<typeof createKafka>): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(TOPIC.interactions)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}
