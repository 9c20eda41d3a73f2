import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/logger.js';
import type { TrainingRun } from '../../schemas/types.js';
import { trainerClient, type TrainingRunsClient, type TrainingTriggerRequest } from '../trainer-client.js';
import type { Trainer } from '../trainer.js';

/**
 * How a `recostream api` process reaches a `recostream trainer` process: both already talk to
 * Redis, so requests travel on a Redis list and each answer on a short-lived list of its own.
 * The trainer keeps a heartbeat key while it serves; without one the client answers at once
 * that no trainer runs (the API says 503) instead of waiting for a timeout.
 *
 *   rs:training:requests        list   JSON requests, LPUSH by clients, BRPOP by the trainer
 *   rs:training:reply:<id>      list   the answer to request <id> (expires after 60 s)
 *   rs:training:trainer         string heartbeat: host, pid, feature version (expires after 15 s)
 */

export const TRAINING_KEYS = {
  requests: 'rs:training:requests',
  reply: (id: string) => `rs:training:reply:${id}`,
  heartbeat: 'rs:training:trainer',
};

type ChannelRequest =
  | { id: string; kind: 'trigger'; request: TrainingTriggerRequest }
  | { id: string; kind: 'list'; limit: number }
  | { id: string; kind: 'get'; runId: string };

/** A request before it gets its id (Omit distributed over the union). */
type NewRequest = ChannelRequest extends infer R ? (R extends ChannelRequest ? Omit<R, 'id'> : never) : never;

type ChannelReply = { ok: true; value: unknown } | { ok: false; error: string };

const HEARTBEAT_MS = 5_000;

export interface ServedChannel {
  /** Resolves once the first heartbeat is written: from then on clients find the trainer. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Serves `trainer` to other processes over Redis until closed. */
export function serveTrainerOverRedis(trainer: Trainer, redis: Redis, logger: Logger): ServedChannel {
  const log = logger.child({ part: 'trainer-channel' });
  const client = trainerClient(trainer);
  const blocking = redis.duplicate();
  blocking.on('error', () => undefined);
  let closed = false;

  const beat = () =>
    redis
      .set(
        TRAINING_KEYS.heartbeat,
        JSON.stringify({ host: os.hostname(), pid: process.pid, version: trainer.status().featureVersion }),
        'PX',
        HEARTBEAT_MS * 3,
      )
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'trainer heartbeat failed'));
  const ready = beat().then(() => undefined);
  const heartbeat = setInterval(() => void beat(), HEARTBEAT_MS);
  heartbeat.unref();

  async function answer(request: ChannelRequest): Promise<ChannelReply> {
    try {
      switch (request.kind) {
        case 'trigger':
          return { ok: true, value: await client.trigger(request.request) };
        case 'list':
          return { ok: true, value: await client.listRuns({ limit: request.limit }) };
        case 'get':
          return { ok: true, value: await client.getRun(request.runId) };
      }
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  const loop = (async () => {
    while (!closed) {
      let popped: [string, string] | null;
      try {
        popped = await blocking.brpop(TRAINING_KEYS.requests, 1);
      } catch (err) {
        if (closed) break;
        log.warn({ err: (err as Error).message }, 'reading training requests failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (!popped) continue;
      let request: ChannelRequest;
      try {
        request = JSON.parse(popped[1]) as ChannelRequest;
      } catch {
        log.warn({ payload: popped[1].slice(0, 200) }, 'ignoring a malformed training request');
        continue;
      }
      const reply = await answer(request);
      const key = TRAINING_KEYS.reply(request.id);
      await redis
        .multi()
        .lpush(key, JSON.stringify(reply))
        .pexpire(key, 60_000)
        .exec()
        .catch((err: unknown) =>
          log.warn({ err: (err as Error).message }, 'could not answer a training request'),
        );
    }
  })();
  log.info('serving training requests over Redis');

  return {
    ready,
    async close() {
      closed = true;
      clearInterval(heartbeat);
      await loop;
      blocking.disconnect();
      await redis.del(TRAINING_KEYS.heartbeat).catch(() => undefined);
    },
  };
}

/** No trainer serves the channel (or it did not answer in time). */
export class TrainerUnavailableError extends Error {
  /** What an HTTP server should answer with. */
  readonly statusCode = 503;
  constructor(message: string) {
    super(message);
    this.name = 'TrainerUnavailableError';
  }
}

/**
 * The trainer of another process, shaped as the API's TrainerClient: wire it into `recostream api`
 * when REDIS_URL is set and the trainer runs as `recostream trainer`.
 */
export function redisTrainerClient(redis: Redis, options: { timeoutMs?: number } = {}): TrainingRunsClient {
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call<T>(request: NewRequest): Promise<T> {
    if ((await redis.exists(TRAINING_KEYS.heartbeat)) === 0) {
      throw new TrainerUnavailableError(
        'no trainer is running (start `recostream trainer`, or `recostream up`, to train models)',
      );
    }
    const id = randomUUID();
    const blocking = redis.duplicate();
    blocking.on('error', () => undefined);
    try {
      await redis.lpush(TRAINING_KEYS.requests, JSON.stringify({ ...request, id }));
      const popped = await blocking.brpop(TRAINING_KEYS.reply(id), Math.max(1, Math.ceil(timeoutMs / 1000)));
      if (!popped) throw new TrainerUnavailableError(`the trainer did not answer within ${timeoutMs} ms`);
      const reply = JSON.parse(popped[1]) as ChannelReply;
      if (!reply.ok) throw new Error(reply.error);
      return reply.value as T;
    } finally {
      blocking.disconnect();
    }
  }

  return {
    trigger: (request) => call({ kind: 'trigger', request }),
    listRuns: ({ limit }) => call<TrainingRun[]>({ kind: 'list', limit }),
    getRun: (runId) => call<TrainingRun | null>({ kind: 'get', runId }),
  };
}
