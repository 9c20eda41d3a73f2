/**
 * The feature pipeline end to end, against the batch oracle computing the same features in
 * memory over the same events in the same run.
 *
 *   npm run bench:pipeline [-- --interactions 1000000 --concurrency 2]
 *
 * 1. generates the data set (seeded; users and items scale with the interactions),
 * 2. replays items.csv then interactions.csv into the embedded broker (a child process, fsync
 *    every 1000 ms) through the registry and the typed producer,
 * 3. runs both processors (in this process) from offset 0 until the lag is 0 — Redis is a
 *    redis-server child process with AOF —,
 * 4. computes every feature with the batch oracle (tests/oracle/) over the events replay produced
 *    (in a worker thread with a large stack, see oracle-worker.ts; the computation alone is timed),
 * 5. reads every user and item back through the feature reader and compares them with the oracle.
 *
 * The dedupe horizon is set past the data set's span, so the oracle (which recognises every
 * repeated event_id) and the pipeline count the same events.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { launchRedis } from '../embedded/redis/launcher.js';
import { READY_PREFIX } from '../embedded/kafka/server/run.js';
import { startRegistry } from '../embedded/registry/index.js';
import { createKafka } from '../lib/kafka.js';
import { createLogger, silentLogger } from '../lib/logger.js';
import { createRedis } from '../lib/redis.js';
import { pipelineLag } from '../processors/progress.js';
import { startProcessors } from '../processors/start.js';
import { generateDataset } from '../replay/generate/index.js';
import { replayFile } from '../replay/index.js';
import { createKafkaReplaySink } from '../replay/kafka-sink.js';
import type { ReplaySink } from '../replay/sink.js';
import { AvroSerde } from '../schemas/serde.js';
import type { Interaction, Item, ItemFeatureValues, UserFeatureValues } from '../schemas/types.js';
import { createFeatureReader } from '../sinks/redis/reader.js';
import { applyTopology } from '../topology/apply.js';
import { Worker } from 'node:worker_threads';
import type { CatalogEntry } from '../tests/oracle/batch-features.js';
import { featureDifferences } from '../tests/oracle/compare.js';

const { values } = parseArgs({
  options: {
    interactions: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '2' },
  },
});
const INTERACTIONS = Number(values.interactions);
const CONCURRENCY = Number(values.concurrency);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startBrokerProcess(dataDir: string): Promise<{ brokers: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'embedded/kafka/main.ts',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--flush',
      'interval:1000',
    ],
    {
      cwd: path.join(import.meta.dirname, '..'),
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const brokers = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(READY_PREFIX)) resolve(line.slice(READY_PREFIX.length).trim());
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return {
    brokers,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The replay sink, keeping a copy of every record it produces: the oracle's input. */
function capturing(sink: ReplaySink, interactions: Interaction[], items: Item[]): ReplaySink {
  return {
    ...sink,
    producer: {
      produce: async (topic, records) => {
        const result = await sink.producer.produce(topic, records);
        const failed = new Set(result.failed.map((f) => f.index));
        records.forEach((r, i) => {
          if (failed.has(i)) return;
          if (topic === 'interactions') interactions.push(r as Interaction);
          else if (topic === 'items') items.push(r as Item);
        });
        return result;
      },
    },
  };
}

const rate = (n: number, seconds: number) => `${Math.round(n / seconds).toLocaleString('en-US')}/s`;
const out = (s: string) => process.stdout.write(`${s}\n`);

const work = await mkdtemp(path.join(tmpdir(), 'bench-pipeline-'));
const stops: (() => Promise<void>)[] = [];
try {
  let t = performance.now();
  const dataset = await generateDataset({
    users: Math.max(100, Math.round(INTERACTIONS / 20)),
    items: Math.max(100, Math.round(INTERACTIONS / 50)),
    interactions: INTERACTIONS,
    outDir: path.join(work, 'data'),
    seed: 1,
  });
  out(
    `generate: ${dataset.rows.interactions} interactions, ${dataset.rows.users} users, ${dataset.rows.items} items, ` +
      `${dataset.window.start} .. ${dataset.window.end} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );

  const broker = await startBrokerProcess(path.join(work, 'broker'));
  stops.push(broker.stop);
  const redisServer = await launchRedis({ dataDir: path.join(work, 'redis'), logger: silentLogger });
  stops.push(() => redisServer.stop());
  const registry = await startRegistry({ port: 0, brokers: [broker.brokers], logger: silentLogger });
  stops.push(() => registry.close());
  const kafka = createKafka({ brokers: [broker.brokers], clientId: 'bench-pipeline', logger: silentLogger });
  await applyTopology({
    kafka,
    serde: new AvroSerde({ url: registry.url }),
    featureVersion: 'v1',
    logger: silentLogger,
  });

  const interactions: Interaction[] = [];
  const items: Item[] = [];
  const sink = capturing(
    await createKafkaReplaySink({
      brokers: [broker.brokers],
      registryUrl: registry.url,
      logger: silentLogger,
    }),
    interactions,
    items,
  );
  t = performance.now();
  await replayFile({ kind: 'items', input: dataset.files.items, sink });
  await replayFile({ kind: 'interactions', input: dataset.files.interactions, sink });
  const replaySeconds = (performance.now() - t) / 1000;
  await sink.close();
  out(
    `replay: ${interactions.length} interactions, ${items.length} items in ${replaySeconds.toFixed(1)} s (${rate(interactions.length, replaySeconds)})`,
  );

  const redis = createRedis(redisServer.url, silentLogger);
  stops.push(async () => redis.disconnect());
  const admin = kafka.admin();
  await admin.connect();
  // BENCH_CPU_PROFILE=file.cpuprofile profiles this process while the processors run.
  const profiler = process.env.BENCH_CPU_PROFILE ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  t = performance.now();
  const running = await startProcessors({
    which: 'all',
    version: 'v1',
    kafkaBrokers: [broker.brokers],
    registryUrl: registry.url,
    redisUrl: redisServer.url,
    // BENCH_LOG_LEVEL=debug logs each batch with its phase timings.
    logger: process.env.BENCH_LOG_LEVEL
      ? createLogger('bench', { level: process.env.BENCH_LOG_LEVEL })
      : silentLogger,
    dedupeHorizonDays: 36500,
    concurrency: CONCURRENCY,
    clientId: 'bench-pipeline',
  });
  let zero = 0;
  let lastPrint = 0;
  for (;;) {
    const lag = await pipelineLag(admin, redis, 'v1');
    zero = lag.total === 0 ? zero + 1 : 0;
    if (zero >= 2) break;
    if (performance.now() - lastPrint > 10_000) {
      lastPrint = performance.now();
      out(
        `  ${((lastPrint - t) / 1000).toFixed(0)} s: lag user-features ${lag.userLag}, item-features ${lag.itemLag}`,
      );
    }
    await sleep(200);
  }
  const processSeconds = (performance.now() - t) / 1000;
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    await writeFile(process.env.BENCH_CPU_PROFILE!, JSON.stringify(profile));
    profiler.disconnect();
  }
  await running.stop();
  await admin.disconnect();
  const memory = /used_memory_human:(\S+)/.exec(await redis.info('memory'))?.[1] ?? '?';

  const catalog: [string, CatalogEntry][] = items.map((i) => [
    i.item_id,
    { category: i.category, price: i.price },
  ]);
  const oracleRun = await new Promise<{
    seconds: number;
    clock: number;
    users: [string, UserFeatureValues][];
    items: [string, ItemFeatureValues][];
  }>((resolve, reject) => {
    // A worker does not inherit tsx's loader: register it there, then load the TypeScript module.
    const bootstrap =
      `import('tsx/esm/api').then(({ register }) => { register(); ` +
      `return import(${JSON.stringify(new URL('./oracle-worker.ts', import.meta.url).href)}); })`;
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: { interactions, catalog },
      resourceLimits: { stackSizeMb: 256 },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const oracleSeconds = oracleRun.seconds;
  const oracle = { clock: oracleRun.clock, users: new Map(oracleRun.users), items: new Map(oracleRun.items) };

  // Correctness of what was measured: every entity against the oracle.
  const reader = createFeatureReader(redis);
  let differing = 0;
  let firstDiff = '';
  const check = async (kind: 'user' | 'item') => {
    const expected = kind === 'user' ? oracle.users : oracle.items;
    const ids = [...expected.keys()];
    for (let i = 0; i < ids.length; i += 1000) {
      const slice = ids.slice(i, i + 1000);
      const got =
        kind === 'user' ? await reader.readUserFeatures(slice) : await reader.readItemFeatures(slice);
      slice.forEach((id, j) => {
        const record = got[j] as Record<string, unknown> | null;
        const diffs = featureDifferences(`${kind} ${id}`, record ?? undefined, { ...expected.get(id)! });
        if (diffs.length > 0) {
          differing++;
          firstDiff ||= diffs[0]!;
        }
      });
    }
  };
  await check('user');
  await check('item');

  const n = interactions.length;
  out('');
  out(`| what | events | seconds | events/s |`);
  out(`|---|---:|---:|---:|`);
  out(`| replay (generate excluded) | ${n} | ${replaySeconds.toFixed(1)} | ${rate(n, replaySeconds)} |`);
  out(`| processors, offset 0 to lag 0 | ${n} | ${processSeconds.toFixed(1)} | ${rate(n, processSeconds)} |`);
  out(
    `| end to end (replay + processors) | ${n} | ${(replaySeconds + processSeconds).toFixed(1)} | ${rate(n, replaySeconds + processSeconds)} |`,
  );
  out(
    `| batch oracle, in memory (baseline) | ${n} | ${oracleSeconds.toFixed(1)} | ${rate(n, oracleSeconds)} |`,
  );
  out('');
  out(
    `processors / oracle: ${(oracleSeconds / processSeconds).toFixed(3)}; end to end / oracle: ${(oracleSeconds / (replaySeconds + processSeconds)).toFixed(3)}`,
  );
  out(
    `entities: ${oracle.users.size} users, ${oracle.items.size} items; differing from the oracle: ${differing}${firstDiff ? ` (first: ${firstDiff})` : ''}`,
  );
  out(`redis used_memory: ${memory}; processor concurrency ${CONCURRENCY}`);
  if (differing > 0) process.exitCode = 1;
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
