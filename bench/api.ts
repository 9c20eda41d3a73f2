/**
 * API: feature lookups over HTTP against the same ids read straight from Redis, in one run.
 *
 *   npm run bench:api [-- --users 5000 --items 2000 --events 50000 --duration 20 --connections 64
 *                         --batch 100 --client http-load --workers 1,2 --warmup 20]
 *
 * Starts the real stack (embedded broker and registry, redis-server), feeds generated
 * interactions through both processors until they caught up (then stops them), runs
 * `recostream api` as a child process — once per `--workers` count (default: 1, then one worker
 * per core) — and, after `--warmup` seconds of the same load, measures:
 *   1. GET /v1/features/users/:id for random known ids,
 *   2. POST /v1/features/lookup with `--batch` random user ids,
 * from a load generator in a process of its own (bench/http-load.ts; `--client autocannon` runs
 * autocannon in this process instead), and, as baselines at the same concurrency: the floor —
 * Fastify alone answering the same route with one fixed record through the same response schema
 * (bench/http-floor.ts, a child process, in as many worker processes as the API just had) — and,
 * in this process, the feature reader called directly through ioredis (the same script the API
 * runs) and a bare HGETALL of the same keys. For every phase it reports the CPU each process used
 * (API, redis-server, load generator, this process) and the machine's load average, since on a
 * small machine those decide the figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Redis } from 'ioredis';
import { startProcessors } from '../processors/start.js';
import { keys } from '../sinks/redis/keys.js';
import { createFeatureReader } from '../sinks/redis/reader.js';
import { silentLogger } from '../lib/logger.js';
import { createRedis } from '../lib/redis.js';
import { makeDataset } from '../tests/harness/dataset.js';
import { produceInteractions, produceItems, waitForCaughtUp } from '../tests/harness/kafka-io.js';
import { freePort } from '../embedded/redis/launcher.js';
import { startApiStack } from '../tests/harness/api-stack.js';
import { spawnCli, type ChildHandle } from '../tests/harness/processes.js';
import type { LoadResult, LoadSpec } from './http-load.js';
import { processTreeCpuSeconds, machineTicks, stealBetween } from './support/cpu.js';
import { benchOptions } from './support/options.js';
import { machine } from './support/report.js';

const ROOT = path.resolve(import.meta.dirname, '..');

const options = benchOptions({
  users: 5000,
  items: 2000,
  events: 50000,
  duration: 20,
  connections: 64,
  batch: 100,
  client: 'http-load',
  // The API in 1 process, then in one worker per core (`recostream api --workers`).
  workers: [...new Set([1, os.availableParallelism()])].join(','),
  // Seconds of full load before each phase's figures are taken, from the same client on the same
  // connections. A JIT-cold worker under full load on two busy cores took 10-15 s to settle, its
  // lookups costing 20-40% more CPU until then (docs/BENCHMARKS.md, "Warm-up").
  warmup: 20,
});
const { users, items, events, duration, connections, client, warmup } = options;
const batchSize = options.batch;
if (client !== 'http-load' && client !== 'autocannon') throw new Error('--client: http-load or autocannon');
const workerCounts = options.workers.split(',').map(Number);
if (workerCounts.length === 0 || !workerCounts.every((n) => Number.isInteger(n) && n >= 1)) {
  throw new Error('--workers: a comma-separated list of whole numbers >= 1');
}

interface Figures {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  /** CPU cores used during the phase, per process. */
  cpu: { api: number | null; redis: number; client: number | null; bench: number };
  load: string;
  /** Share of the machine's CPU time the hypervisor took during the phase (virtual machines). */
  steal: number | null;
  /**
   * redis-server's CPU per request, and requests per script call (EVALSHA/EVAL, INFO commandstats):
   * how many lookups the reader combined into one round trip; null when no script ran.
   */
  redisWork: { cpuMicrosPerRequest: number; requestsPerScriptCall: number | null };
}

function random<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}

/**
 * `recostream api` as a child process, from the sources; API_NODE_ARGS adds node flags
 * (`API_NODE_ARGS=--cpu-prof` profiles the server and its workers; a profile is written at exit).
 */
function startServer(port: number, workers: number, env: Record<string, string>): ChildHandle {
  const args = [
    'api',
    '--port',
    String(port),
    '--rate-limit',
    '0',
    '--quiet-requests',
    '--workers',
    String(workers),
  ];
  return spawnCli(args, env, { nodeArgs: (process.env.API_NODE_ARGS ?? '').split(' ').filter(Boolean) });
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

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`(?:^|\\n)${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/**
 * Script calls (EVALSHA, EVAL) redis-server has run (INFO commandstats). Only these: the commands
 * a script runs count in commandstats too, so a total would not say how many round trips came in.
 */
async function redisScriptCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(m[1]);
  return calls;
}

type PhaseFigures = Omit<Figures, 'cpu' | 'load' | 'steal' | 'redisWork'> & { clientCpu: number | null };

/**
 * Runs `phase`, measuring the CPU of every process and the load average from the moment it calls
 * `begin` (when its warm-up, if any, is over) to its end.
 */
async function measured(
  redis: Redis,
  apiPid: number | undefined,
  phase: (begin: () => Promise<void>) => Promise<PhaseFigures>,
): Promise<Figures> {
  let load0 = 0;
  let ticks0 = machineTicks();
  let api0: number | null = null;
  let redis0 = 0;
  let scripts0 = 0;
  let bench0 = process.cpuUsage();
  let t0 = performance.now();
  const begin = async () => {
    load0 = os.loadavg()[0]!;
    ticks0 = machineTicks();
    api0 = processTreeCpuSeconds(apiPid);
    bench0 = process.cpuUsage();
    t0 = performance.now();
    [redis0, scripts0] = await Promise.all([redisCpuSeconds(redis), redisScriptCalls(redis)]);
  };
  const { clientCpu, ...figures } = await phase(begin);
  const seconds = (performance.now() - t0) / 1000;
  const api1 = processTreeCpuSeconds(apiPid);
  const bench = process.cpuUsage(bench0);
  const redis1 = await redisCpuSeconds(redis);
  const scripts1 = await redisScriptCalls(redis);
  const ticks1 = machineTicks();
  const redisCores = (redis1 - redis0) / seconds;
  const scripts = scripts1 - scripts0;
  return {
    ...figures,
    cpu: {
      api: api0 === null || api1 === null ? null : (api1 - api0) / seconds,
      redis: redisCores,
      client: clientCpu,
      bench: (bench.user + bench.system) / 1e6 / seconds,
    },
    load: `${load0.toFixed(1)}–${os.loadavg()[0]!.toFixed(1)}`,
    steal: stealBetween(ticks0, ticks1),
    redisWork: {
      cpuMicrosPerRequest: figures.requestsPerSecond > 0 ? (redisCores * 1e6) / figures.requestsPerSecond : 0,
      requestsPerScriptCall: scripts > 0 ? (figures.requestsPerSecond * seconds) / scripts : null,
    },
  };
}

/** bench/http-floor.ts (Fastify alone, one fixed record) as a child process, listening. */
async function startFloor(
  port: number,
  workers: number,
  record: string,
): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const args = ['--import', 'tsx', 'bench/http-floor.ts', String(port), String(workers)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (output.includes('listening')) resolve();
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`bench/http-floor.ts exited with ${code}:\n${output}`)));
    child.stdin.end(record);
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** bench/http-load.ts in a process of its own; `onMeasuring` when its warm-up is over. */
function httpLoad(spec: LoadSpec, onMeasuring: () => void): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/http-load.ts'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let result: LoadResult | undefined;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      let newline: number;
      while ((newline = out.indexOf('\n')) >= 0) {
        const line = JSON.parse(out.slice(0, newline)) as LoadResult | { measuring: true };
        out = out.slice(newline + 1);
        if ('measuring' in line) onMeasuring();
        else result = line;
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('close', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`bench/http-load.ts exited with ${code}${result ? '' : ', no result'}:\n${err}`));
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

interface HttpPhase {
  get?: { paths: string[] };
  post?: { path: string; bodies: string[] };
}

/**
 * `--warmup` seconds of the phase's load on `url`, not counted (a JIT-cold server's figures, and
 * a JIT-cold client's), then `--duration` seconds measured; `begin` is called between the two.
 * bench/http-load.ts does both on the same connections in one process; autocannon, in this
 * process, runs twice.
 */
async function http(
  name: string,
  url: URL,
  phase: HttpPhase,
  begin: () => Promise<void>,
): Promise<PhaseFigures> {
  if (client === 'http-load') {
    let begun: Promise<void> | undefined;
    const spec = { host: url.hostname, port: Number(url.port), connections, ...phase };
    const r = await httpLoad({ ...spec, warmupSeconds: warmup, durationSeconds: duration }, () => {
      begun = begin();
    });
    await begun;
    if (r.firstError) process.stderr.write(`${name}: ${r.errors} errors, first: ${r.firstError}\n`);
    return { name, ...r, clientCpu: r.clientCpu };
  }
  if (warmup > 0) await runAutocannon(url, phase, warmup);
  await begin();
  const result = await runAutocannon(url, phase, duration);
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    p999: result.latency.p99_9,
    errors: result.errors + result.non2xx + result.timeouts,
    // autocannon runs in this process: its CPU is in the bench column.
    clientCpu: null,
  };
}

function runAutocannon(url: URL, phase: HttpPhase, seconds: number): Promise<autocannon.Result> {
  const requests: autocannon.Request[] = phase.get
    ? [{ method: 'GET', setupRequest: (req) => ({ ...req, path: random(phase.get!.paths) }) }]
    : [
        {
          method: 'POST',
          path: phase.post!.path,
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: random(phase.post!.bodies) }),
        },
      ];
  return autocannon({ url: url.origin, connections, duration: seconds, requests });
}

/** `connections` concurrent loops calling `op` for `duration` seconds; latencies in ms. */
async function direct(
  name: string,
  op: () => Promise<unknown>,
  begin: () => Promise<void>,
): Promise<PhaseFigures> {
  await begin();
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
    clientCpu: null,
  };
}

function row(f: Figures): string {
  const ms = (x: number) => x.toFixed(2).padStart(7);
  const cores = (x: number | null) => (x === null ? '   –' : x.toFixed(2).padStart(4));
  return (
    `| ${f.name.padEnd(50)} | ${Math.round(f.requestsPerSecond).toString().padStart(6)} | ${ms(f.p50)} | ` +
    `${ms(f.p99)} | ${ms(f.p999)} | ${String(f.errors).padStart(3)} | ${cores(f.cpu.api)} | ` +
    `${cores(f.cpu.redis)} | ${cores(f.cpu.client)} | ${cores(f.cpu.bench)} | ${f.load} | ` +
    `${f.steal === null ? '–' : `${Math.round(f.steal * 100)}%`} | ` +
    `${f.redisWork.cpuMicrosPerRequest.toFixed(1)} | ` +
    `${f.redisWork.requestsPerScriptCall === null ? '–' : f.redisWork.requestsPerScriptCall.toFixed(1)} |`
  );
}

async function main(): Promise<void> {
  const s = await startApiStack();
  let api: ChildHandle | undefined;
  try {
    const data = makeDataset({ users, items, events, seed: 11, duplicateRate: 0, lateRate: 0 });
    process.stdout.write(
      `feeding ${data.interactions.length} events of ${users} users through the processors...\n`,
    );
    const processors = await startProcessors({
      which: 'all',
      version: 'v1',
      kafkaBrokers: [s.stack.brokers!],
      registryUrl: s.stack.registryUrl!,
      redisUrl: s.stack.redisUrl!,
      logger: s.stack.logger,
      dedupeHorizonDays: 30,
    });
    await produceItems(s.kafka, s.serde, data.items);
    await produceInteractions(s.kafka, s.serde, data.interactions);
    await waitForCaughtUp(s.kafka, s.redis, 'v1');
    // Idle processors still poll the broker: stopped, so the measurement has the machine to itself.
    await processors.stop();
    const userIds = [...new Set(data.interactions.map((e) => e.user_id))];
    process.stdout.write(`${userIds.length} users with features\n`);

    const paths = userIds.map((id) => `/v1/features/users/${encodeURIComponent(id)}`);
    const bodies = Array.from({ length: 1000 }, () =>
      JSON.stringify({ users: Array.from({ length: batchSize }, () => random(userIds)) }),
    );
    const redis: Redis = s.redis;
    // As the API has it: a connection of its own, without auto-pipelining (the reader batches).
    const readerRedis = createRedis(s.stack.redisUrl!, silentLogger, { enableAutoPipelining: false });
    const reader = createFeatureReader(readerRedis);
    const results: Figures[] = [];
    const print = (f: Figures) => {
      process.stdout.write(`${row(f)}\n`);
      results.push(f);
      return f;
    };
    process.stdout.write(
      `\n${machine()}\nconcurrency ${connections}, ${duration} s each after ${warmup} s of warm-up per server, ${userIds.length} users, client ${client}\n` +
        `CPU columns: cores used during the phase by the API (its workers included), redis-server, the load generator, this process;\n` +
        `steal: the share of the machine's CPU time its hypervisor took meanwhile;\n` +
        `redis µs/req: redis-server's CPU per request; req/script: requests per script call (lookups per round trip)\n\n` +
        `| what | req/s | p50 ms | p99 ms | p99.9 ms | errors | API | redis | client | bench | load avg | steal | redis µs/req | req/script |\n` +
        `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|\n`,
    );

    const runs: { workers: number; single: Figures; batch: Figures; floor: Figures }[] = [];
    for (const workers of workerCounts) {
      const port = await freePort();
      api = startServer(port, workers, s.stack.env({ LOG_LEVEL: 'warn' }));
      const url = new URL(`http://127.0.0.1:${port}`);
      await waitForHttp(url.origin, api);
      const probe = await fetch(`${url.origin}${paths[0]}`);
      const record = await probe.text();
      if (probe.status !== 200)
        throw new Error(`lookup answered ${probe.status}: ${record}\n${api.output()}`);
      // Each phase is warmed up at full concurrency first: JIT in every worker and in the load
      // generator, connection pools, the scripts cached in Redis.
      const label = workers === 1 ? '' : ` ×${workers} workers`;
      const pid = api.child.pid;
      const single = print(
        await measured(redis, pid, (begin) =>
          http(`API GET /v1/features/users/:id${label}`, url, { get: { paths } }, begin),
        ),
      );
      // The batch route runs code the single lookups did not (body parsing, many keys per call).
      const batchLoad = { path: '/v1/features/lookup', bodies };
      const batch = print(
        await measured(redis, pid, (begin) =>
          http(`API POST /v1/features/lookup (${batchSize} keys)${label}`, url, { post: batchLoad }, begin),
        ),
      );
      await api.kill('SIGTERM');
      api = undefined;

      // The floor in as many processes, right after: the ceiling these figures are held against.
      const floorPort = await freePort();
      const floor = await startFloor(floorPort, workers, record);
      let floorFigures: Figures;
      try {
        const floorUrl = new URL(`http://127.0.0.1:${floorPort}`);
        floorFigures = print(
          await measured(redis, floor.child.pid, (begin) =>
            http(`floor: Fastify alone, one fixed record${label}`, floorUrl, { get: { paths } }, begin),
          ),
        );
      } finally {
        await floor.stop();
      }
      runs.push({ workers, single, batch, floor: floorFigures });
    }
    const readerSingle = print(
      await measured(redis, undefined, (begin) =>
        direct(
          'ioredis: feature reader (same script)',
          () => reader.readUserFeatures([random(userIds)]),
          begin,
        ),
      ),
    );
    const hgetall = print(
      await measured(redis, undefined, (begin) =>
        direct(
          'ioredis: HGETALL of the state hash',
          () => redis.hgetallBuffer(keys.entity('v1', 'user', random(userIds))),
          begin,
        ),
      ),
    );
    const readerBatch = print(
      await measured(redis, undefined, (begin) =>
        direct(
          `ioredis: feature reader, ${batchSize} keys`,
          () => reader.readUserFeatures(Array.from({ length: batchSize }, () => random(userIds))),
          begin,
        ),
      ),
    );

    readerRedis.disconnect();
    process.stdout.write('\n');
    let met = false;
    for (const { workers, single, batch, floor } of runs) {
      const ratio = (a: Figures, b: Figures) => (a.requestsPerSecond / b.requestsPerSecond).toFixed(2);
      const meets = single.requestsPerSecond >= 10_000 && single.p99 <= 10;
      const floorMeets = floor.requestsPerSecond >= 10_000 && floor.p99 <= 10;
      met ||= meets;
      process.stdout.write(
        `${workers} worker${workers === 1 ? '' : 's'}: API / floor ${ratio(single, floor)}` +
          `; API / reader (single) ${ratio(single, readerSingle)}; API / HGETALL ${ratio(single, hgetall)}` +
          `; API / reader (${batchSize} keys) ${ratio(batch, readerBatch)}` +
          `; keys/s in batches ${Math.round(batch.requestsPerSecond * batchSize)}` +
          `; target ${meets ? 'met' : 'not met'} (by the floor: ${floorMeets ? 'met' : 'not met'})\n`,
      );
    }
    process.stdout.write(
      `target (>= 10,000 lookups/s, p99 <= 10 ms): ${met ? 'met' : 'not met'} in this run\n`,
    );
  } finally {
    await api?.kill('SIGTERM');
    await s.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
