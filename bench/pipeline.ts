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
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createLogger, silentLogger } from '../lib/logger.js';
import { createRedis } from '../lib/redis.js';
import { pipelineLag } from '../processors/progress.js';
import { startProcessors } from '../processors/start.js';
import { replayFile } from '../replay/index.js';
import { createKafkaReplaySink } from '../replay/kafka-sink.js';
import type { ReplaySink } from '../replay/sink.js';
import type { Interaction, Item, ItemFeatureValues, UserFeatureValues } from '../schemas/types.js';
import { createFeatureReader } from '../sinks/redis/reader.js';
import type { CatalogEntry } from '../tests/oracle/batch-features.js';
import { featureDifferences } from '../tests/oracle/compare.js';
import { benchDataset } from './support/dataset.js';
import { benchOptions } from './support/options.js';
import { markdownTable, out, perSecond, ratio } from './support/report.js';
import { startBenchStack, type BenchStack } from './support/stack.js';
import { stopwatch } from './support/timing.js';

const { interactions: INTERACTIONS, concurrency: CONCURRENCY } = benchOptions({
  interactions: 1_000_000,
  concurrency: 2,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

const rate = (n: number, seconds: number) => `${perSecond(n, seconds)}/s`;

const work = await mkdtemp(path.join(tmpdir(), 'bench-pipeline-'));
let stack: BenchStack | undefined;
try {
  const generating = stopwatch();
  const dataset = await benchDataset(INTERACTIONS, work);
  out(
    `generate: ${dataset.rows.interactions} interactions, ${dataset.rows.users} users, ${dataset.rows.items} items, ` +
      `${dataset.window.start} .. ${dataset.window.end} (${generating().toFixed(1)} s)`,
  );

  stack = await startBenchStack({
    dir: work,
    clientId: 'bench-pipeline',
    flush: 'interval:1000',
    redis: true,
  });
  const { kafka } = stack;
  const redisUrl = stack.redisUrl!;

  const interactions: Interaction[] = [];
  const items: Item[] = [];
  const sink = capturing(
    await createKafkaReplaySink({
      brokers: [stack.brokers],
      registryUrl: stack.registryUrl,
      logger: silentLogger,
    }),
    interactions,
    items,
  );
  const replaying = stopwatch();
  await replayFile({ kind: 'items', input: dataset.files.items, sink });
  await replayFile({ kind: 'interactions', input: dataset.files.interactions, sink });
  const replaySeconds = replaying();
  await sink.close();
  out(
    `replay: ${interactions.length} interactions, ${items.length} items in ${replaySeconds.toFixed(1)} s (${rate(interactions.length, replaySeconds)})`,
  );

  const redis = createRedis(redisUrl, silentLogger);
  stack.defer(() => redis.disconnect());
  const admin = kafka.admin();
  await admin.connect();
  // BENCH_CPU_PROFILE=file.cpuprofile profiles this process while the processors run.
  const profiler = process.env.BENCH_CPU_PROFILE ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const processing = stopwatch();
  const running = await startProcessors({
    which: 'all',
    version: 'v1',
    kafkaBrokers: [stack.brokers],
    registryUrl: stack.registryUrl,
    redisUrl,
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
    if (processing() - lastPrint > 10) {
      lastPrint = processing();
      out(`  ${lastPrint.toFixed(0)} s: lag user-features ${lag.userLag}, item-features ${lag.itemLag}`);
    }
    await sleep(200);
  }
  const processSeconds = processing();
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
  const endToEnd = replaySeconds + processSeconds;
  out(
    markdownTable(
      ['what', 'events', 'seconds', 'events/s'],
      [
        ['replay (generate excluded)', n, replaySeconds.toFixed(1), rate(n, replaySeconds)],
        ['processors, offset 0 to lag 0', n, processSeconds.toFixed(1), rate(n, processSeconds)],
        ['end to end (replay + processors)', n, endToEnd.toFixed(1), rate(n, endToEnd)],
        ['batch oracle, in memory (baseline)', n, oracleSeconds.toFixed(1), rate(n, oracleSeconds)],
      ],
    ),
  );
  out('');
  out(
    `processors / oracle: ${ratio(oracleSeconds, processSeconds, 3)}; end to end / oracle: ${ratio(oracleSeconds, endToEnd, 3)}`,
  );
  out(
    `entities: ${oracle.users.size} users, ${oracle.items.size} items; differing from the oracle: ${differing}${firstDiff ? ` (first: ${firstDiff})` : ''}`,
  );
  out(`redis used_memory: ${memory}; processor concurrency ${CONCURRENCY}`);
  if (differing > 0) process.exitCode = 1;
} finally {
  await stack?.stop();
  await rm(work, { recursive: true, force: true });
}
