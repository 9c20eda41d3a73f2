import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvroSerde } from '../../schemas/serde.js';
import type { ItemFeatures, UserFeatures } from '../../schemas/types.js';
import { DEFAULT_SINK_GROUP } from '../../sinks/clickhouse/sink.js';
import { sourceTopics } from '../../sinks/clickhouse/tables.js';
import { itemFeaturesTopic, TOPIC, userFeaturesTopic } from '../../topology/topics.js';
import { selectRows } from '../harness/clickhouse.js';
import { createTopics, produceRecords, waitForCommitted } from '../harness/kafka-io.js';
import { interaction, itemFeatures, userFeatures } from '../harness/records.js';
import { startStack, type Stack } from '../harness/stack.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CHUNKS = 40;
const EVENTS_PER_CHUNK = 100;
const KILL_AFTER_CHUNKS = [6, 14, 22, 30];

/**
 * The sink as a child process, killed with SIGKILL several times while events and feature records
 * keep arriving, and restarted: ClickHouse ends with every event and every feature record exactly
 * once — under FINAL, and physically after the parts are merged.
 */
describe('ClickHouse sink crash and restart', () => {
  let stack: Stack;
  let kafka: Kafka;
  let serde: AvroSerde;
  let sink: ChildProcess | undefined;
  let starts = 0;
  const logFile = () => path.join(stack.dataDir, 'sink.log');

  beforeAll(async () => {
    stack = await startStack({ broker: true, registry: true, clickhouse: true });
    kafka = stack.kafka('ch-crash-test');
    serde = stack.serde();
    await createTopics(kafka, ['v1', 'v2']);
  });

  afterAll(async () => {
    if (sink && sink.exitCode === null) await kill(sink, 'SIGKILL');
    await stack?.stop();
  });

  function startSink(extraArgs: string[] = []): ChildProcess {
    starts++;
    const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env({ LOG_LEVEL: 'info' }) };
    // chDB in the stack's DATA_DIR unless the stack has a ClickHouse server: not the shell's.
    if (!stack.clickhouseUrl) delete env.CLICKHOUSE_URL;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'cli', 'main.ts'),
        'sink',
        'clickhouse',
        '--linger-ms',
        '100',
        '--batch-rows',
        '700',
        '--topic-refresh-ms',
        '1000',
        // The broker's minimum: a killed sink's partitions move to its replacement after 6 s.
        '--session-timeout-ms',
        '6000',
        ...extraArgs,
      ],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log = createWriteStream(logFile(), { flags: 'a' });
    log.write(`--- start ${starts}\n`);
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    return child;
  }

  function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  }

  async function committedInteractions(): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId: DEFAULT_SINK_GROUP, topics: [TOPIC.interactions] });
      return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    } finally {
      await admin.disconnect();
    }
  }

  async function waitForProgress(since: number): Promise<number> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const now = await committedInteractions();
      if (now > since) return now;
      if (sink?.exitCode !== null) throw new Error(`the sink exited: ${await readFile(logFile(), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the sink made no progress: ${(await readFile(logFile(), 'utf8')).slice(-4000)}`);
  }

  it(
    'has no duplicate and no missing row after SIGKILLs in the middle of a stream',
    { timeout: 400_000 },
    async () => {
      const userRecords = new Map<string, UserFeatures>();
      const itemRecords = new Map<string, ItemFeatures>();
      const killsWithWorkOutstanding: number[] = [];
      const healthPort = await freePort();
      let committed = 0;

      sink = startSink();
      for (let chunk = 0; chunk < CHUNKS; chunk++) {
        const events = Array.from({ length: EVENTS_PER_CHUNK }, (_, k) =>
          interaction(chunk * EVENTS_PER_CHUNK + k),
        );
        const killHere = KILL_AFTER_CHUNKS.includes(chunk);
        // At a kill, the chunk's second half is held back until the sink has made progress, then
        // produced right before the SIGKILL: the sink always dies with events it has not stored
        // (the gap is far shorter than its linger), however fast or slow the machine is.
        const held = killHere ? events.splice(EVENTS_PER_CHUNK / 2) : [];
        await produceRecords(
          kafka,
          serde,
          TOPIC.interactions,
          'Interaction',
          events.map((e) => ({ key: e.user_id, value: e })),
        );
        // Feature records as two versions of the processors would publish them; every third chunk
        // also re-publishes an earlier record with another updated_at (a processor restart).
        for (const version of ['v1', 'v2']) {
          const users = Array.from({ length: 5 }, (_, u) => userFeatures(`u${u}`, version, chunk + 1));
          const items = Array.from({ length: 5 }, (_, i) => itemFeatures(`i${i}`, version, 2 * chunk + 1));
          if (chunk % 3 === 2) {
            users.push({ ...userFeatures('u0', version, chunk), updated_at: Date.now() });
            items.push({ ...itemFeatures('i0', version, 2 * chunk - 1), updated_at: Date.now() });
          }
          for (const r of users) userRecords.set(`${version}/${r.user_id}/${r.total_interactions}`, r);
          for (const r of items) itemRecords.set(`${version}/${r.item_id}/${r.total_interactions}`, r);
          await produceRecords(
            kafka,
            serde,
            userFeaturesTopic(version),
            'UserFeatures',
            users.map((r) => ({ key: r.user_id, value: r })),
          );
          await produceRecords(
            kafka,
            serde,
            itemFeaturesTopic(version),
            'ItemFeatures',
            items.map((r) => ({ key: r.item_id, value: r })),
          );
        }
        if (killHere) {
          committed = await waitForProgress(committed);
          await produceRecords(
            kafka,
            serde,
            TOPIC.interactions,
            'Interaction',
            held.map((e) => ({ key: e.user_id, value: e })),
          );
          await kill(sink, 'SIGKILL');
          // What the dead sink had not committed: it is re-read and must be stored exactly once.
          const produced = (chunk + 1) * EVENTS_PER_CHUNK;
          committed = await committedInteractions();
          if (committed < produced) killsWithWorkOutstanding.push(produced - committed);
          // The last one also serves /health and /metrics.
          sink = startSink(chunk === KILL_AFTER_CHUNKS.at(-1) ? ['--health-port', String(healthPort)] : []);
        }
        await new Promise((r) => setTimeout(r, 50));
      }

      const topics = sourceTopics([
        TOPIC.interactions,
        userFeaturesTopic('v1'),
        userFeaturesTopic('v2'),
        itemFeaturesTopic('v1'),
        itemFeaturesTopic('v2'),
      ]);
      await waitForCommitted(kafka, DEFAULT_SINK_GROUP, topics, { timeoutMs: 120_000 });
      const healthRes = await fetch(`http://127.0.0.1:${healthPort}/health`);
      expect(healthRes.status).toBe(200);
      expect(await healthRes.json()).toMatchObject({ healthy: true, state: 'running', pendingRows: 0 });
      const metricsText = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
      expect(metricsText).toMatch(
        /recostream_clickhouse_sink_rows_inserted_total\{table="interactions"\} \d+/,
      );
      expect(metricsText).toMatch(/recostream_clickhouse_sink_healthy 1/);
      expect(await kill(sink, 'SIGTERM')).toBe(0);
      expect(starts).toBe(KILL_AFTER_CHUNKS.length + 1);
      // The kills hit a sink with events still to store (not one that had caught up).
      expect(killsWithWorkOutstanding.length).toBeGreaterThanOrEqual(KILL_AFTER_CHUNKS.length - 1);

      const ch = await stack.openClickHouse();
      try {
        const total = CHUNKS * EVENTS_PER_CHUNK;
        const [events] = await selectRows<{ n: number; ids: number; min: number; max: number }>(
          ch.client,
          `SELECT count() AS n, uniqExact(event_id) AS ids, min(toUInt32(substring(event_id, 3))) AS min,
                max(toUInt32(substring(event_id, 3))) AS max
         FROM recostream.interactions FINAL`,
        );
        expect(events).toEqual({ n: total, ids: total, min: 0, max: total - 1 });
        const dupIds = await selectRows(
          ch.client,
          `SELECT event_id FROM recostream.interactions FINAL GROUP BY event_id HAVING count() > 1 LIMIT 5`,
        );
        expect(dupIds).toEqual([]);

        for (const [table, entity, expected] of [
          ['user_features', 'user_id', userRecords],
          ['item_features', 'item_id', itemRecords],
        ] as const) {
          const stored = await selectRows<{ k: string; updated_at: number }>(
            ch.client,
            `SELECT concat(version, '/', ${entity}, '/', toString(total_interactions)) AS k
           FROM recostream.${table} FINAL ORDER BY k`,
          );
          expect(stored.map((r) => r.k)).toEqual([...expected.keys()].sort());
          const latest = await selectRows<{ version: string; id: string; total: number }>(
            ch.client,
            `SELECT version, ${entity} AS id, total_interactions AS total FROM recostream.${table}_latest ORDER BY version, id`,
          );
          const expectedLatest = new Map<string, number>();
          for (const key of expected.keys()) {
            const [version, id, total] = key.split('/') as [string, string, string];
            const k = `${version}/${id}`;
            expectedLatest.set(k, Math.max(expectedLatest.get(k) ?? 0, Number(total)));
          }
          expect(latest.map((r) => `${r.version}/${r.id}=${r.total}`)).toEqual(
            [...expectedLatest].map(([k, t]) => `${k}=${t}`).sort(),
          );
        }

        // Merged down to one part per partition, the copies are physically gone too.
        for (const table of ['interactions', 'user_features', 'item_features']) {
          await ch.client.command({ query: `OPTIMIZE TABLE recostream.${table} FINAL` });
        }
        const [physical] = await selectRows<{ n: number }>(
          ch.client,
          `SELECT count() AS n FROM recostream.interactions`,
        );
        expect(physical!.n).toBe(total);
        const [features] = await selectRows<{ n: number }>(
          ch.client,
          `SELECT (SELECT count() FROM recostream.user_features) + (SELECT count() FROM recostream.item_features) AS n`,
        );
        expect(features!.n).toBe(userRecords.size + itemRecords.size);
      } finally {
        await ch.close();
      }
    },
  );
});
