import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../embedded/redis/launcher.js';
import { spawnCli, type ChildHandle } from '../harness/processes.js';
import { startStack, type Stack } from '../harness/stack.js';
import { until } from '../harness/polling.js';

/** The child processes of `pid` (the API's workers). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One GET on a connection of its own, so the primary hands each to the next worker. */
function get(
  port: number,
  path: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The count of the lookup route's 404s in a /metrics text. */
function lookupCount(metrics: string): number {
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        l.startsWith('recostream_http_request_duration_seconds_count{') &&
        l.includes('route="/v1/features/users/:id"') &&
        l.includes('status_code="404"'),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('recostream api --workers', () => {
  let stack: Stack;
  let api: ChildHandle;
  let port: number;
  const limit = 1000;
  /** Which processes answered the first connections, opened as soon as the port answered. */
  let firstAnswers: Set<string>;

  beforeAll(async () => {
    stack = await startStack({ redis: true, broker: true, registry: true });
    port = await freePort();
    api = spawnCli(
      ['api', '--port', String(port), '--workers', '2', '--rate-limit', String(limit), '--quiet-requests'],
      // info: the primary's 'all API workers listening' is what the suite waits for.
      stack.env({ LOG_LEVEL: 'info' }),
    );
    await until(
      'the API port to open',
      async () => {
        if (api.child.exitCode !== null) throw new Error(`recostream api exited:\n${api.output()}`);
        return get(port, '/health').then(
          (r) => (r.status === 200 ? true : undefined),
          () => undefined,
        );
      },
      120_000,
    );
    firstAnswers = new Set<string>();
    for (let i = 0; i < 6; i++) {
      firstAnswers.add((await get(port, '/health')).headers['x-request-id']!.split('-')[0]!);
    }
    await until('the primary to log all workers listening', () =>
      api.output().includes('all API workers listening') ? true : undefined,
    );
  }, 180_000);

  afterAll(async () => {
    await api?.kill('SIGKILL');
    await stack?.stop();
  }, 60_000);

  it('opens the port once every worker is ready: the first connections reach both', () => {
    // Had the first worker listened alone while the second was starting, all six would be its.
    expect(firstAnswers.size, api.output()).toBe(2);
  });

  it('answers from every worker, counts the rate limit in Redis, and sums /metrics over the workers', async () => {
    const requests = 30;
    const answers = [];
    for (let i = 0; i < requests; i++) answers.push(await get(port, `/v1/features/users/nobody-${i}`));
    expect(answers.every((a) => a.status === 404)).toBe(true);

    // Request ids carry a per-process prefix: two prefixes, two workers served.
    const prefixes = new Set(answers.map((a) => a.headers['x-request-id']!.split('-')[0]));
    expect(prefixes.size, api.output()).toBe(2);

    // One count for the whole API: the remaining allowance goes down by one per request whichever
    // worker answered (per-worker counts would interleave two sequences).
    expect(answers.map((a) => Number(a.headers['x-ratelimit-remaining']))).toEqual(
      Array.from({ length: requests }, (_, i) => limit - 1 - i),
    );
    const keys = await stack.redis().keys('rs:rate-limit:*');
    expect(keys.length).toBeGreaterThan(0);

    // Whichever worker takes the scrape, it reports the requests of both.
    for (let i = 0; i < 4; i++) {
      const metrics = await get(port, '/metrics');
      expect(metrics.status).toBe(200);
      expect(lookupCount(metrics.body)).toBe(requests);
    }
  });

  it('replaces a worker that dies and keeps serving', async () => {
    const [victim, survivor] = childrenOf(api.pid) as [number, number];
    process.kill(victim, 'SIGKILL');
    const replaced = await until('a new worker', () => {
      const now = childrenOf(api.pid);
      return now.length === 2 && !now.includes(victim) ? now : undefined;
    });
    expect(replaced).toContain(survivor);
    await until('the new worker to answer', async () => {
      const served = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const r = await get(port, '/v1/features/users/nobody');
        if (r.status === 404) served.add(r.headers['x-request-id']!.split('-')[0]!);
      }
      return served.size === 2 ? true : undefined;
    });
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    const workers = childrenOf(api.pid);
    await api.kill('SIGTERM');
    expect((await api.exited).code).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  });

  it('exits with an error, not a restart loop, when the workers cannot start', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = (taken.address() as net.AddressInfo).port;
    const failing = spawnCli(['api', '--port', String(busy), '--workers', '2'], stack.env({}));
    try {
      const exit = await failing.exited;
      expect(exit.code).not.toBe(0);
      expect(failing.output()).toMatch(/EADDRINUSE/);
      expect(failing.output()).toContain('exited before it listened');
    } finally {
      // Its workers exit with it (their IPC channel closes).
      await failing.kill('SIGKILL');
      taken.close();
    }
  }, 120_000);
});
