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
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Partitioners } from 'kafkajs';
import type { Interaction } from '../schemas/types.js';
import { keys } from '../sinks/redis/keys.js';
import { TOPIC } from '../topology/topics.js';
import { spawnCli } from '../tests/harness/processes.js';
import { benchOptions } from './support/options.js';
import { markdownTable, out } from './support/report.js';
import { startBenchStack, type BenchStack } from './support/stack.js';

const { rate: RATE, seconds: SECONDS } = benchOptions({ rate: 1000, seconds: 60 });
const TICK_MS = 50;
const PER_TICK = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(label: string, latencies: number[], expected: number): (string | number)[] {
  const s = [...latencies].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(0).padStart(6);
  return [
    label,
    `${s.length}/${expected}`,
    f(percentile(s, 50)),
    f(percentile(s, 95)),
    f(percentile(s, 99)),
    f(s[s.length - 1] ?? NaN),
  ];
}

const work = await mkdtemp(path.join(tmpdir(), 'bench-freshness-'));
let stack: BenchStack | undefined;
try {
  stack = await startBenchStack({
    dir: work,
    clientId: 'bench-freshness',
    flush: 'interval:1000',
    redis: true,
  });
  const { kafka, serde } = stack;
  const redisUrl = stack.redisUrl!;

  // First write of a user's or item's hash, as Redis announces it.
  const admin = new Redis(redisUrl);
  await admin.config('SET', 'notify-keyspace-events', 'Kh');
  const subscriber = new Redis(redisUrl);
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
    KAFKA_BROKERS: stack.brokers,
    SCHEMA_REGISTRY_URL: stack.registryUrl,
    REDIS_URL: redisUrl,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
  };
  const processors = [
    spawnCli(['process', 'user-features'], env),
    spawnCli(['process', 'item-features'], env),
  ];
  for (const p of processors) {
    stack.defer(() => p.kill('SIGTERM'));
    if (process.env.BENCH_LOG_LEVEL) p.child.stdout!.pipe(process.stderr);
  }

  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  stack.defer(() => producer.disconnect());
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
  out(
    markdownTable(
      ['visible in Redis', 'events', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [
        summary('user features (one hop)', userLatency, sentAt.size),
        summary('item features (two hops, via interactions-by-item)', itemLatency, sentAt.size),
      ],
    ),
  );
  subscriber.disconnect();
  admin.disconnect();
} finally {
  await stack?.stop();
  await rm(work, { recursive: true, force: true });
}
