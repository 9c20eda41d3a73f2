import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../embedded/redis/launcher.js';
import type { Interaction, ItemFeatures, UserFeatures } from '../../../schemas/types.js';
import { TypedProducer } from '../../../topology/producer.js';
import { itemFeaturesTopic, TOPIC, userFeaturesTopic } from '../../../topology/topics.js';
import { redisTrainerClient, TRAINING_KEYS } from '../../../training/remote/redis-channel.js';
import { createTopics, waitUntil } from '../../harness/kafka-io.js';
import { spawnCli, type ChildHandle } from '../../harness/processes.js';
import { startStack, type Stack } from '../../harness/stack.js';
import { plantedInteractions } from '../../harness/training-stack.js';
import { computeFeatures } from '../../oracle/batch-features.js';

/**
 * `recostream trainer --health-port`: what docker-compose.yml's healthcheck and a metrics scraper
 * ask the trainer service, which has no API of its own. The trainer runs as a child process on
 * the real broker, registry, redis-server and ClickHouse (chDB in its DATA_DIR, which it owns and
 * fills with the ClickHouse sink it then runs itself; a ClickHouse server in containers mode).
 */

interface HealthBody {
  healthy: boolean;
  components: {
    name: string;
    healthy: boolean;
    reason: string | null;
    details: { checks?: Record<string, string> };
  }[];
}

const events = plantedInteractions({ users: 40, items: 30, interactions: 800, seed: 11, lifecycles: false });
const features = computeFeatures({ interactions: events });
const entities = features.users.size + features.items.size;

let stack: Stack;
let child: ChildHandle | undefined;
let port: number;

async function health(): Promise<{ status: number; body: HealthBody } | null> {
  if (child!.child.exitCode !== null) throw new Error(`recostream trainer exited:\n${child!.output()}`);
  const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
  return res && { status: res.status, body: (await res.json()) as HealthBody };
}

async function metrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** The value of one series of the trainer's metrics, or null while it has none. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  stack = await startStack({ broker: true, registry: true, redis: true, clickhouse: true });
  const kafka = stack.kafka('trainer-cli-test');
  await createTopics(kafka);
  const producer = new TypedProducer(kafka, stack.serde());
  const header = { version: 'v1', as_of: features.clock, updated_at: features.clock };
  const users: UserFeatures[] = [...features.users].map(([user_id, v]) => ({ user_id, ...header, ...v }));
  const items: ItemFeatures[] = [...features.items].map(([item_id, v]) => ({ item_id, ...header, ...v }));
  for (const result of [
    await producer.produce(TOPIC.interactions, events as Interaction[]),
    await producer.produce(userFeaturesTopic('v1'), users),
    await producer.produce(itemFeaturesTopic('v1'), items),
  ])
    expect(result.failed).toEqual([]);
  await producer.disconnect();
}, 120_000);

afterAll(async () => {
  // Only after a failure is it still running, possibly waiting for the stopped broker.
  await child?.kill('SIGKILL');
  await stack?.stop();
}, 120_000);

describe('recostream trainer --health-port', () => {
  it('answers 200 while it can train, 503 with the reasons while Kafka is away, 200 after; its metrics count the runs', async () => {
    port = await freePort();
    // A threshold no test reaches: runs start only when asked, so the counts below are exact.
    child = spawnCli(
      [
        'trainer',
        '--health-port',
        String(port),
        '--check-interval',
        '1',
        '--model',
        'popularity',
        '--min-changed',
        '1000000',
        // The run asked for during the outage fails once its produce gives up: after ~1 s instead
        // of the ~30 s of the default retries.
        '--kafka-retries',
        '2',
      ],
      stack.env(),
    );

    let last: Awaited<ReturnType<typeof health>> = null;
    await waitUntil(
      async () => {
        last = await health();
        return last?.status === 200;
      },
      'the trainer to report healthy',
      120_000,
    );
    // Healthy means reachable: the API finds a trainer by this heartbeat.
    expect(await stack.redis().exists(TRAINING_KEYS.heartbeat)).toBe(1);
    const trainer = last!.body.components.find((c) => c.name === 'trainer');
    expect(trainer).toMatchObject({ healthy: true, reason: null });
    expect(trainer!.details.checks).toEqual({
      kafka: 'ok',
      clickhouse_sink: 'ok',
      redis: 'ok',
      schema_registry: 'ok',
      clickhouse: 'ok',
      requests: 'ok',
      tracking: 'ok',
      last_run: 'ok',
    });
    // The ClickHouse sink this trainer runs for its labels reports beside it.
    expect(last!.body.components.map((c) => c.name).sort()).toEqual(['clickhouse-sink', 'trainer']);

    await waitUntil(
      async () => sample(await metrics(), 'recostream_trainer_changed_entities{version="v1"}') === entities,
      'the changed users and items to show in the metrics',
    );

    // A run asked for over Redis, as a separate `recostream api` asks.
    const client = redisTrainerClient(stack.redis(), { timeoutMs: 30_000 });
    const first = await client.trigger({ reason: 'health test' });
    let text = '';
    await waitUntil(
      async () => {
        text = await metrics();
        return sample(text, 'recostream_trainer_runs_succeeded_total{trigger="manual"}') === 1;
      },
      'the run to succeed',
      240_000,
    );
    expect(sample(text, 'recostream_trainer_runs_started_total{trigger="manual"}')).toBe(1);
    expect(text).not.toMatch(/^recostream_trainer_runs_failed_total\{/m);
    expect(sample(text, 'recostream_trainer_changed_entities{version="v1"}')).toBe(0);
    expect(sample(text, 'recostream_trainer_run_in_progress')).toBe(0);
    expect(sample(text, 'recostream_trainer_healthy')).toBe(1);
    expect(sample(text, 'recostream_trainer_run_duration_seconds_count{status="succeeded"}')).toBe(1);
    const finishedAt = sample(text, 'recostream_trainer_last_run_timestamp_seconds{status="succeeded"}');
    expect((await client.getRun(first.run.run_id))?.finished_at).toBe(finishedAt! * 1000);

    await stack.stopBroker();
    const trainerReason = () => last?.body.components.find((c) => c.name === 'trainer')?.reason ?? '';
    await waitUntil(async () => {
      last = await health();
      return last?.status === 503 && trainerReason().includes('kafka unreachable');
    }, 'the trainer to report Kafka unreachable');

    // A run asked for during the outage cannot even record that it started.
    await client.trigger({ reason: 'during the outage' });
    await waitUntil(
      async () =>
        sample(await metrics(), 'recostream_trainer_runs_failed_total{trigger="manual",phase="snapshot"}') ===
        1,
      'the run to fail to start',
      240_000,
    );
    last = await health();
    expect(last!.status).toBe(503);
    const reason = last!.body.components.find((c) => c.name === 'trainer')!.reason!;
    expect(reason).toContain('kafka unreachable');
    expect(reason).toMatch(/last run run-\S+ failed to start: /);

    await stack.restartBroker();
    await waitUntil(
      async () => {
        last = await health();
        return last?.status === 200;
      },
      'health back to 200 once Kafka answers again',
      180_000,
    );
    text = await metrics();
    expect(sample(text, 'recostream_trainer_runs_started_total{trigger="manual"}')).toBe(2);
    expect(sample(text, 'recostream_trainer_runs_succeeded_total{trigger="manual"}')).toBe(1);
    expect(sample(text, 'recostream_trainer_last_run_timestamp_seconds{status="failed"}')).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);

    // Stops and exits on SIGTERM, also with clients that lived through the broker restart.
    child.child.kill('SIGTERM');
    const exited = await Promise.race([
      child.exited,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 60_000)),
    ]);
    expect(exited, `recostream trainer did not exit on SIGTERM:\n${child.output()}`).toEqual({
      code: 0,
      signal: null,
    });
  }, 900_000);
});
