import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthRegistry } from '../../lib/health.js';
import { pipelineLag } from '../../processors/progress.js';
import type { ClickHouseSink } from '../../sinks/clickhouse/sink.js';
import { createFeatureReader } from '../../sinks/redis/reader.js';
import { rng } from '../harness/dataset.js';
import { createTopics, waitForCaughtUp, waitForCommitted, waitUntil } from '../harness/kafka-io.js';
import { makeUnwritable, selectRows, startSinkedClickHouse, tableDataPath } from '../harness/clickhouse.js';
import { spawnCli, type ChildHandle } from '../harness/processes.js';
import { startStack, type Stack } from '../harness/stack.js';
import { computeFeatures } from '../oracle/batch-features.js';
import {
  featureTopicDifferences,
  oracleInputsFromLog,
  redisDifferences,
} from '../integration/processors/oracle-check.js';
import { recordResult, secondsSince } from './results.js';

/**
 * One replay through `recostream replay`, rate-limited so it lasts, while the processor process
 * (`recostream process all`) is killed with SIGKILL ten times at random moments — during start-up,
 * while joining the group, mid-batch, between produce and EXEC — and restarted each time. The
 * ClickHouse sink runs alongside and cannot write for a while in the middle (its interactions
 * table made immutable). At the end: Redis and the feature topics equal the oracle over what is
 * on the log, and ClickHouse holds every event exactly once and each user's latest features.
 * (tests/integration/processors/crash.test.ts kills four times, each after progress; this one
 * kills half of the time blind and half mid-processing, more often, with the sink failing at the same time.)
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('processors killed at random moments during one replay, the ClickHouse sink failing meanwhile', () => {
  const children: ChildHandle[] = [];
  let stack: Stack | undefined;
  let sink: ClickHouseSink | undefined;
  const dirs: string[] = [];

  afterEach(async () => {
    for (const c of children.splice(0)) await c.kill('SIGKILL');
    await sink?.stop();
    await stack?.stop();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('ten SIGKILLs: Redis, the feature topics and ClickHouse equal the oracle', async () => {
    const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    // The sink's outage is a chDB table directory made unwritable: ClickHouse's files must be on
    // this machine, so the stack is the embedded one whatever TEST_INFRA says.
    stack = await startStack({
      redis: true,
      broker: true,
      registry: true,
      clickhouse: true,
      embeddedOnly: true,
    });
    const s = stack;
    const kafka = s.kafka();
    await createTopics(kafka, ['v1']);
    const env = s.env({ DEDUPE_HORIZON_DAYS: '3650' });
    const cli = async (args: string[]) => {
      const child = spawnCli(args, env);
      children.push(child);
      const exit = await child.exited;
      expect({ args, exit, output: exit.code === 0 ? '' : child.output() }).toEqual({
        args,
        exit: { code: 0, signal: null },
        output: '',
      });
    };
    const dataDir = await mkdtemp(path.join(tmpdir(), 'reliability-gen-'));
    dirs.push(dataDir);
    await cli([
      'generate',
      '--users',
      '400',
      '--items',
      '500',
      '--interactions',
      '30000',
      '--out',
      dataDir,
      '--seed',
      String(seed % 1000),
    ]);
    await cli(['replay', 'items', path.join(dataDir, 'items.csv')]);

    // The ClickHouse sink, in this process, on the stack's chDB.
    const sinkHealth = new HealthRegistry();
    const sinked = await startSinkedClickHouse(s, kafka, s.serde(), {
      lingerMs: 300,
      retryMaxMs: 2000,
      health: sinkHealth,
    });
    sink = sinked.sink;
    const ch = sinked.owner;

    const replay = spawnCli(
      ['replay', 'interactions', path.join(dataDir, 'interactions.csv'), '--rate', '800'],
      env,
    );
    children.push(replay);
    const startProcessor = () => {
      const child = spawnCli(['process', 'all', '--session-timeout', '6000'], env);
      children.push(child);
      return child;
    };
    const redis = s.redis();
    const admin = kafka.admin();
    await admin.connect();
    const started = performance.now();
    let processor = startProcessor();
    const killsAt: number[] = [];
    let sinkOutage: { startedS: number; endedS: number; unhealthySeen: boolean } | undefined;
    let restore: (() => Promise<void>) | undefined;
    const applied = async () =>
      (await pipelineLag(admin, redis, 'v1')).partitions.reduce((sum, p) => sum + p.next, 0);
    let blind = 0;
    while (killsAt.length < 10) {
      if (killsAt.length % 2 === 0) {
        // Blind: anywhere from before the process has connected to its first batches.
        await sleep(300 + random() * 2500);
        blind++;
      } else {
        // Once the restarted process applies batches again, at a random point among them.
        const from = await applied();
        await waitUntil(
          async () => (await applied()) >= from + 300,
          'the restarted processor applying batches',
          300_000,
          50,
        );
        await sleep(random() * 1000);
      }
      await processor.kill('SIGKILL');
      killsAt.push(secondsSince(started));
      processor = startProcessor();
      if (killsAt.length === 3) {
        restore = await makeUnwritable(await tableDataPath(ch.client, 'interactions'));
        sinkOutage = { startedS: secondsSince(started), endedS: 0, unhealthySeen: false };
      }
      if (sinkOutage && !sinkOutage.unhealthySeen) sinkOutage.unhealthySeen = !sinkHealth.status().healthy;
      if (killsAt.length === 7 && restore) {
        await waitUntil(() => !sinkHealth.status().healthy, 'the sink to report its failing inserts', 60_000);
        sinkOutage!.unhealthySeen = true;
        await restore();
        restore = undefined;
        sinkOutage!.endedS = secondsSince(started);
      }
    }
    const lagAtLastKill = (await pipelineLag(admin, redis, 'v1')).total;
    const replayExit = await replay.exited;
    expect({ replayExit, output: replayExit.code === 0 ? '' : replay.output() }).toEqual({
      replayExit: { code: 0, signal: null },
      output: '',
    });
    const lastKill = performance.now();
    await waitForCaughtUp(kafka, redis, 'v1', 900_000);
    const caughtUpS = secondsSince(lastKill);
    await admin.disconnect();

    // The oracle over what the log holds.
    const serde = s.serde();
    const input = await oracleInputsFromLog(kafka, serde);
    const interactions = input.interactions;
    const result = await redisDifferences(createFeatureReader(redis), input);
    expect(result.diffs.slice(0, 20)).toEqual([]);
    expect((await featureTopicDifferences(kafka, serde, input)).slice(0, 20)).toEqual([]);

    // ClickHouse: every event once, and each user's latest feature record.
    await waitForCommitted(kafka, 'recostream-clickhouse-sink', sink.health().topics, { timeoutMs: 600_000 });
    const distinct = new Set(interactions.map((e) => e.event_id)).size;
    const [stored] = await selectRows<{ n: number; ids: number }>(
      ch.client,
      'SELECT count() AS n, uniqExact(event_id) AS ids FROM recostream.interactions FINAL',
    );
    expect(stored).toEqual({ n: distinct, ids: distinct });
    const oracle = computeFeatures(input, result.clock);
    const latest = await selectRows<{ user_id: string; total_interactions: number }>(
      ch.client,
      `SELECT user_id, total_interactions FROM recostream.user_features_latest WHERE version = 'v1'`,
    );
    const totals = new Map(latest.map((r) => [r.user_id, r.total_interactions]));
    const wrong = [...oracle.users].filter(([id, f]) => totals.get(id) !== f.total_interactions);
    expect(
      wrong.slice(0, 10).map(([id, f]) => `${id}: ${totals.get(id)} != ${f.total_interactions}`),
    ).toEqual([]);
    expect(sinkHealth.status().healthy).toBe(true);

    await processor.kill('SIGTERM');
    recordResult({
      id: 'crash-processor-sigkill-10x',
      group: 'crash',
      fault:
        'Processor process SIGKILLed at random moments (10 times in one replay), the ClickHouse sink unable to write for part of it',
      injection: `\`recostream replay interactions\` of ${interactions.length} generated events at 800/s; \`recostream process all\` killed at ${killsAt.join(', ')} s (seed ${seed}; ${blind} at a blind moment after its start, ${killsAt.length - blind} at a random moment after it applied 300 more events) and restarted at once; the sink's interactions table immutable (chattr +i) from ${sinkOutage?.startedS} s to ${sinkOutage?.endedS} s`,
      mustHold:
        "Replay completes; Redis and the latest feature-topic records equal the oracle over the log; ClickHouse holds every event exactly once (FINAL) and each user's latest total_interactions; the sink reports unhealthy while failing and healthy after",
      result: `${killsAt.length} kills; lag ${lagAtLastKill} at the last kill, caught up ${caughtUpS} s after the replay ended; ${result.users} users and ${result.items} items equal the oracle; ClickHouse ${stored!.n} rows = ${distinct} distinct events, ${latest.length} users' latest features equal`,
      figures: {
        kills: killsAt.length,
        blindKills: blind,
        seed,
        events: interactions.length,
        caughtUpS,
        lagAtLastKill,
        sinkOutageS: Math.round(((sinkOutage?.endedS ?? 0) - (sinkOutage?.startedS ?? 0)) * 10) / 10,
      },
    });
    // The sink's outage, measured in the same run, as a row of its own.
    recordResult({
      id: 'crash-clickhouse-sink-failing',
      group: 'crash',
      fault: 'ClickHouse (chDB) sink unable to write for a while',
      injection: `The data directory of the interactions table made immutable (chattr +i) from ${sinkOutage?.startedS} s to ${sinkOutage?.endedS} s of the replay of the processor SIGKILL case (the same run), while the sink (lingerMs 300, retries capped at 2 s) consumed every topic and the processor process was being killed`,
      mustHold:
        "The sink reports unhealthy while its inserts fail and healthy again after; nothing is skipped: ClickHouse then holds every event exactly once (FINAL) and each user's latest features equal the oracle",
      result: `Unhealthy seen during the ${Math.round(((sinkOutage?.endedS ?? 0) - (sinkOutage?.startedS ?? 0)) * 10) / 10} s outage, healthy after; committed to the log end; ${stored!.n} rows = ${distinct} distinct events (FINAL), ${latest.length} users' latest total_interactions equal the oracle`,
      figures: {
        outageS: Math.round(((sinkOutage?.endedS ?? 0) - (sinkOutage?.startedS ?? 0)) * 10) / 10,
        unhealthySeen: sinkOutage?.unhealthySeen ?? false,
        rows: stored!.n,
        distinct,
        users: latest.length,
      },
    });
  });
});
