/**
 * API: feature lookups over HTTP against the same ids read straight from Redis, in one run.
 *
 *   npm run bench:api [-- --users 5000 --items 2000 --events 50000 --duration 20 --connections 64]
 *
 * Starts the real stack (embedded broker and registry, redis-server, both processors), feeds
 * generated interactions through the processors until they caught up, then runs `recostream api`
 * as a child process (so the load generator and the server do not share an event loop) and
 * measures with autocannon:
 *   1. GET /v1/features/users/:id for random known ids,
 *   2. POST /v1/features/lookup with 100 random user ids,
 * and, as baselines in this process at the same concurrency, the feature reader called directly
 * through ioredis (the same Lua script the API runs) and a bare HGETALL of the same keys.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { Redis } from 'ioredis';
import { keys } from '../sinks/redis/keys.js';
import { createFeatureReader } from '../sinks/redis/reader.js';
import { makeDataset } from '../tests/harness/dataset.js';
import { produceInteractions, produceItems, waitForCaughtUp } from '../tests/harness/kafka-io.js';
import { freePort } from '../embedded/redis/launcher.js';
import { startApiStack } from '../tests/harness/api-stack.js';

const ROOT = path.resolve(import.meta.dirname, '..');

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '5000' },
    items: { type: 'string', default: '2000' },
    events: { type: 'string', default: '50000' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
    batch: { type: 'string', default: '100' },
  },
});
const users = Number(values.users);
const items = Number(values.items);
const events = Number(values.events);
const duration = Number(values.duration);
const connections = Number(values.connections);
const batchSize = Number(values.batch);

interface Figures {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
}

function random<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}

/**
 * `recostream api` as a child process, from the sources; API_NODE_ARGS adds node flags
 * (`API_NODE_ARGS=--cpu-prof` profiles the server; the profile is written when it exits).
 */
function startServer(port: number, env: Record<string, string>): ChildHandle {
  const nodeArgs = (process.env.API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--import',
      'tsx',
      'cli/main.ts',
      'api',
      '--port',
      String(port),
      '--rate-limit',
      '0',
      '--quiet-requests',
    ],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean).slice(-50));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => lines.slice(-50).join('\n'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

interface ChildHandle {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

async function waitForHttp(url: string, child: ChildHandle): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (child.child.exitCode !== null) throw new Error(`recostream api exited:\n${child.output()}`);
    if (Date.now() > deadline)
      throw new Error(`recostream api did not answer within 60 s:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function http(name: string, opts: autocannon.Options): Promise<Figures> {
  const result = await autocannon({ connections, duration, ...opts });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    p999: result.latency.p99_9,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** `connections` concurrent loops calling `op` for `duration` seconds; latencies in ms. */
async function direct(name: string, op: () => Promise<unknown>): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + duration * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        await op();
      } catch {
        errors++;
      }
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return {
    name,
    requestsPerSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    errors,
  };
}

function row(f: Figures): string {
  const ms = (x: number) => x.toFixed(2).padStart(8);
  return `| ${f.name.padEnd(44)} | ${Math.round(f.requestsPerSecond).toString().padStart(8)} | ${ms(f.p50)} | ${ms(f.p99)} | ${ms(f.p999)} | ${String(f.errors).padStart(6)} |`;
}

async function main(): Promise<void> {
  const s = await startApiStack({ processors: true });
  let api: ChildHandle | undefined;
  try {
    const data = makeDataset({ users, items, events, seed: 11, duplicateRate: 0, lateRate: 0 });
    process.stdout.write(
      `feeding ${data.interactions.length} events of ${users} users through the processors...\n`,
    );
    await produceItems(s.kafka, s.serde, data.items);
    await produceInteractions(s.kafka, s.serde, data.interactions);
    await waitForCaughtUp(s.kafka, s.redis, 'v1');
    const userIds = [...new Set(data.interactions.map((e) => e.user_id))];
    process.stdout.write(`${userIds.length} users with features\n`);

    const port = await freePort();
    api = startServer(port, s.stack.env({ LOG_LEVEL: 'warn' }));
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(url, api);
    const probe = await fetch(`${url}/v1/features/users/${encodeURIComponent(userIds[0]!)}`);
    if (probe.status !== 200) {
      throw new Error(`lookup answered ${probe.status}: ${await probe.text()}\n${api.output()}`);
    }
    // Warm-up: JIT, connection pools, the Lua script cached in Redis.
    await autocannon({ url: `${url}/v1/features/users/${userIds[0]}`, connections: 16, duration: 3 });

    const results: Figures[] = [];
    results.push(
      await http('API GET /v1/features/users/:id', {
        url,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: `/v1/features/users/${random(userIds)}` }),
          },
        ],
      }),
    );
    const reader = createFeatureReader(s.redis);
    results.push(
      await direct('ioredis: feature reader (same Lua script)', () =>
        reader.readUserFeatures([random(userIds)]),
      ),
    );
    const redis: Redis = s.redis;
    results.push(
      await direct('ioredis: HGETALL of the state hash', () =>
        redis.hgetallBuffer(keys.entity('v1', 'user', random(userIds))),
      ),
    );
    const batchBody = () =>
      JSON.stringify({ users: Array.from({ length: batchSize }, () => random(userIds)) });
    results.push(
      await http(`API POST /v1/features/lookup (${batchSize} keys)`, {
        url,
        requests: [
          {
            method: 'POST',
            path: '/v1/features/lookup',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: batchBody() }),
          },
        ],
      }),
    );
    results.push(
      await direct(`ioredis: feature reader, ${batchSize} keys`, () =>
        reader.readUserFeatures(Array.from({ length: batchSize }, () => random(userIds))),
      ),
    );

    const [apiSingle, readerSingle, hgetall, apiBatch, readerBatch] = results as [
      Figures,
      Figures,
      Figures,
      Figures,
      Figures,
    ];
    process.stdout.write(
      `\nconcurrency ${connections}, ${duration} s each, ${userIds.length} users\n\n` +
        `| what | req/s | p50 ms | p99 ms | p99.9 ms | errors |\n|---|---:|---:|---:|---:|---:|\n` +
        results.map(row).join('\n') +
        `\n\nAPI / reader (single): ${(apiSingle.requestsPerSecond / readerSingle.requestsPerSecond).toFixed(2)}` +
        `; API / HGETALL: ${(apiSingle.requestsPerSecond / hgetall.requestsPerSecond).toFixed(2)}` +
        `; API / reader (${batchSize} keys): ${(apiBatch.requestsPerSecond / readerBatch.requestsPerSecond).toFixed(2)}` +
        `; keys/s in batches: ${Math.round(apiBatch.requestsPerSecond * batchSize)}\n`,
    );
  } finally {
    await api?.stop();
    await s.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
