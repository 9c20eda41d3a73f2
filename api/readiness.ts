import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { ReadOnlyClickHouse } from '../sinks/clickhouse/query.js';

/**
 * Readiness: is each dependency reachable right now. A probe resolves with a short note when
 * its dependency is up and throws when it is down; each runs under a deadline so /ready answers
 * quickly whatever hangs.
 */
export interface ReadinessProbe {
  name: string;
  /** Whether the API is unready while this dependency is down (ClickHouse, e.g., is not needed to serve features). */
  required: boolean;
  check(): Promise<string | null>;
  /** Releases the probe's connection (when it keeps one). */
  close?(): Promise<void>;
}

export interface ProbeResult {
  name: string;
  status: 'up' | 'down';
  required: boolean;
  latency_ms: number;
  detail: string | null;
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runProbes(
  probes: readonly ReadinessProbe[],
  timeoutMs: number,
): Promise<ProbeResult[]> {
  return Promise.all(
    probes.map(async (probe) => {
      const started = performance.now();
      try {
        const detail = await deadline(probe.check(), timeoutMs, probe.name);
        return {
          name: probe.name,
          status: 'up' as const,
          required: probe.required,
          latency_ms: elapsed(started),
          detail,
        };
      } catch (err) {
        return {
          name: probe.name,
          status: 'down' as const,
          required: probe.required,
          latency_ms: elapsed(started),
          detail: err instanceof Error ? err.message : String(err),
        };
      }
    }),
  );
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

export function redisProbe(redis: Redis): ReadinessProbe {
  return {
    name: 'redis',
    required: true,
    async check() {
      if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`);
      await redis.ping();
      return null;
    },
  };
}

/** One admin connection, reused; kafkajs reconnects it when the broker comes back. */
export function kafkaProbe(kafka: Kafka): ReadinessProbe {
  let admin: Admin | null = null;
  let connected: Promise<void> | null = null;
  return {
    name: 'kafka',
    required: true,
    async check() {
      admin ??= kafka.admin({ retry: { retries: 0 } });
      connected ??= admin.connect().catch((err: unknown) => {
        connected = null;
        throw err;
      });
      await connected;
      const cluster = await admin.describeCluster();
      return `${cluster.brokers.length} broker(s), controller ${cluster.controller ?? 'unknown'}`;
    },
    async close() {
      if (admin && connected) await admin.disconnect().catch(() => undefined);
      admin = null;
      connected = null;
    },
  };
}

export function registryProbe(url: string): ReadinessProbe {
  return {
    name: 'schema_registry',
    required: true,
    async check() {
      const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`GET ${url}/subjects answered ${response.status}`);
      const subjects = (await response.json()) as unknown[];
      return `${subjects.length} subject(s)`;
    },
  };
}

export function clickhouseProbe(ch: ReadOnlyClickHouse | null): ReadinessProbe {
  return {
    name: 'clickhouse',
    required: false,
    async check() {
      if (!ch)
        throw new Error('ClickHouse is not available to this process (SQL and purchase exclusions are off)');
      await ch.withClient(async (client) => {
        const rs = await client.query({ query: 'SELECT 1', format: 'JSONCompact' });
        await rs.json();
      });
      return ch.mode;
    },
  };
}
