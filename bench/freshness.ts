/**
 * Freshness: how long from producing an event until its features are visible in Redis, at a
 * steady live rate.
 *
 *   npm run bench:freshness [-- --rate 1000 --seconds 60]
 *
 * The broker (fsync every 1000 ms) and the two processors (`recostream process user-features`,
 * `recostream process item-features`) run as child processes, redis-server as a child with AOF; the registry and the producer run here. Every
 * event is the first of a new user and a new item, with event_time = now, so "visible" is the
 * first write of the user's (and the item's) hash, seen through Redis keyspace notifications.
 * Latency = notification received - just before the producer's send, on this process's clock.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Partitioners } from 'kafkajs';
import { launchRedis } from '../embedded/redis/launcher.js';
import { READY_PREFIX } from '../embedded/kafka/server/run.js';
import { startRegistry } from '../embedded/registry/index.js';
import { createKafka } from '../lib/kafka.js';
import { silentLogger } from '../lib/logger.js';
import { AvroSerde } from '../schemas/serde.js';
import type { Interaction } from '../schemas/types.js';
import { keys } from '../sinks/redis/keys.js';
import { applyTopology } from '../topology/apply.js';
import { TOPIC } from '../topology/topics.js';
import { spawnCli } from '../tests/harness/processes.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const TICK_MS = 50;
const PER_TICK = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out = (s: string) => process.stdout.write(`${s}\n`);

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

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(label: string, latencies: number[], expected: number): string {
  const s = [...latencies].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(0).padStart(6);
  return `| ${label} | ${s.length}/${expected} | ${f(percentile(s, 50))} | ${f(percentile(s, 95))} | ${f(percentile(s, 99))} | ${f(s[s.length - 1] ?? NaN)} |`;
}

const work = await mkdtemp(path.join(tmpdir(), 'bench-freshness-'));
const stops: (() => Promise<void>)[] = [];
try {
  const broker = await startBrokerProcess(path.join(work, 'broker'));
  stops.push(broker.stop);
  const redisServer = await launchRedis({ dataDir: path.join(work, 'redis'), logger: silentLogger });
  stops.push(() => redisServer.stop());
  const registry = await startRegistry({ port: 0, brokers: [broker.brokers], logger: silentLogger });
  stops.push(() => registry.close());
  const kafka = createKafka({ brokers: [broker.brokers], clientId: 'bench-freshness', logger: silentLogger });
  const serde = new AvroSerde({ url: registry.url });
  await applyTopology({ kafka, serde, featureVersion: 'v1', logger: silentLogger });

  // First write of a user's or item's hash, as Redis announces it.
  const admin = new Redis(redisServer.url);
  await admin.config('SET', 'notify-keyspace-events', 'Kh');
  const subscriber = new Redis(redisServer.url);
  const userPrefix = `__keyspace@0__:${keys.entity('v1', 'user', 'fresh-u-')}`;
  const itemPrefix = `__keyspace@0__:${keys.entity('v1', 'item', 'fresh-i-')}`;
  const userSeen = new Map<number, number>();
  const itemSeen = new Map<number, number>();
  subscriber.on('pmessage', (_pattern: string, channel: string) => {
    const now = performance.now();
    if (channel.startsWith(userPrefix)) {
      const n = Number(channel.slice(userPrefix.length));
      if (!userSeen.has(n)) userSeen.set(n, now);
    } else if (channel.startsWith(itemPrefix)) {
      const n = Number(channel.slice(itemPrefix.length));
      if (!itemSeen.has(n)) itemSeen.set(n, now);
    }
  });
  await subscriber.psubscribe(`${userPrefix}*`, `${itemPrefix}*`);

  // One process per processor, as a deployment would run them.
  const env = {
    KAFKA_BROKERS: broker.brokers,
    SCHEMA_REGISTRY_URL: registry.url,
    REDIS_URL: redisServer.url,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
  };
  const processors = [
    spawnCli(['process', 'user-features'], env),
    spawnCli(['process', 'item-features'], env),
  ];
  for (const p of processors) {
    stops.push(() => p.kill('SIGTERM'));
    if (process.env.BENCH_LOG_LEVEL) p.child.stdout!.pipe(process.stderr);
  }

  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  stops.push(() => producer.disconnect());
  const schemaId = await serde.schemaId(TOPIC.interactions, 'Interaction');
  const sentAt = new Map<number, number>();
  let next = 0;
  const sendBatch = (count: number, measured: boolean) => {
    const messages = [];
    const first = next;
    for (let i = 0; i < count; i++, next++) {
      const n = next;
      const e: Interaction = {
        event_id: `fresh-${n}`,
        user_id: `fresh-u-${n}`,
        item_id: `fresh-i-${n}`,
        event_type: n % 10 === 0 ? 'click' : 'view',
        rating: null,
        event_time: Date.now(),
        session_id: null,
        device_type: null,
        page_context: null,
        price: null,
        source: 'bench',
        ingest_time: Date.now(),
      };
      messages.push({ key: e.user_id, value: serde.encodeWithId(schemaId, 'Interaction', e) });
    }
    const t = performance.now();
    if (measured) for (let n = first; n < next; n++) sentAt.set(n, t);
    return producer.send({ topic: TOPIC.interactions, messages, acks: -1 });
  };

  // Warm-up: wait until the processors have joined their groups and applied a first event.
  await sendBatch(1, false);
  const warmDeadline = Date.now() + 120_000;
  while (!itemSeen.has(0)) {
    if (Date.now() > warmDeadline)
      throw new Error(
        `processors did not apply a first event:\n${processors.map((p) => p.output()).join('\n')}`,
      );
    await sleep(50);
  }
  out(`warm: processors running; producing ${RATE} events/s for ${SECONDS} s`);

  const start = performance.now();
  const ticks = Math.round((SECONDS * 1000) / TICK_MS);
  const sends: Promise<unknown>[] = [];
  for (let k = 0; k < ticks; k++) {
    const due = start + k * TICK_MS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sends.push(sendBatch(PER_TICK, true));
  }
  await Promise.all(sends);
  const produceSeconds = (performance.now() - start) / 1000;
  const settle = Date.now() + 60_000;
  while ((userSeen.size < next || itemSeen.size < next) && Date.now() < settle) await sleep(100);

  const userLatency: number[] = [];
  const itemLatency: number[] = [];
  for (const [n, t] of sentAt) {
    const u = userSeen.get(n);
    const i = itemSeen.get(n);
    if (u !== undefined) userLatency.push(u - t);
    if (i !== undefined) itemLatency.push(i - t);
  }
  out(
    `produced ${sentAt.size} events in ${produceSeconds.toFixed(1)} s (${(sentAt.size / produceSeconds).toFixed(0)} events/s)`,
  );
  out('');
  out('| visible in Redis | events | p50 ms | p95 ms | p99 ms | max ms |');
  out('|---|---:|---:|---:|---:|---:|');
  out(summary('user features (one hop)', userLatency, sentAt.size));
  out(summary('item features (two hops, via interactions-by-item)', itemLatency, sentAt.size));
  subscriber.disconnect();
  admin.disconnect();
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
