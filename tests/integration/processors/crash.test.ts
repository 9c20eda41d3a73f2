import { AssignerProtocol, Partitioners, type Admin, type Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { pipelineLag } from '../../../processors/progress.js';
import { decodeMessages } from '../../../processors/runtime/decode.js';
import { featureMessages, produceAll, repartitionMessages } from '../../../processors/runtime/outputs.js';
import { planBatch } from '../../../processors/runtime/plan.js';
import { loadState, TxConnection } from '../../../processors/runtime/state-io.js';
import { userFeaturesSpec } from '../../../processors/specs/user-features.js';
import { startProcessors } from '../../../processors/start.js';
import { processorGroupId } from '../../../processors/runtime/processor.js';
import { ensureTopics } from '../../../processors/topics.js';
import type { AvroSerde } from '../../../schemas/serde.js';
import { createFeatureReader } from '../../../sinks/redis/reader.js';
import { TOPIC } from '../../../topology/topics.js';
import { makeDataset, type Dataset } from '../../harness/dataset.js';
import {
  produceInteractions,
  produceInteractionsPaced,
  produceItems,
  readRawPartition,
  waitForCaughtUp,
  waitUntil,
} from '../../harness/kafka-io.js';
import { spawnCli, type ChildHandle } from '../../harness/processes.js';
import { startStack, type Stack } from '../../harness/stack.js';
import {
  featureTopicDifferences,
  oracleInputs,
  redisDifferences,
  type OracleInputs,
} from './oracle-check.js';

/**
 * Processors as child processes, killed with SIGKILL in the middle of a replay: whatever moment
 * the kill lands on (mid-batch, between produce and EXEC, during a rebalance), the final state
 * equals the batch oracle — nothing counted twice, nothing lost.
 */
describe('processors killed with SIGKILL', () => {
  const children: ChildHandle[] = [];
  let stack: Stack | undefined;
  let admin: Admin | undefined;

  afterEach(async () => {
    for (const c of children.splice(0)) await c.kill('SIGKILL');
    await admin?.disconnect();
    await stack?.stop();
    stack = undefined;
  });

  async function setUp(data: Dataset) {
    stack = await startStack({ redis: true, broker: true, registry: true });
    const kafka = stack.kafka();
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, 'v1');
    const serde = stack.serde();
    await produceItems(kafka, serde, data.items);
    const input = oracleInputs(data.interactions, data.items);
    return { stack, kafka, serde, redis: stack.redis(), admin, input };
  }

  function startProcessor(s: Stack): ChildHandle {
    const child = spawnCli(
      ['process', 'all', '--session-timeout', '10000'],
      s.env({ DEDUPE_HORIZON_DAYS: '3650' }),
    );
    children.push(child);
    return child;
  }

  async function expectOracle(kafka: Kafka, serde: AvroSerde, redis: Redis, input: OracleInputs) {
    const result = await redisDifferences(createFeatureReader(redis), input);
    expect(result.diffs.slice(0, 20)).toEqual([]);
    expect((await featureTopicDifferences(kafka, serde, input)).slice(0, 20)).toEqual([]);
  }

  it('several kills mid-replay, each followed by a restart: state equals the oracle', async () => {
    const data = makeDataset({ users: 250, items: 300, events: 30_000, days: 40, seed: 21 });
    const { stack: s, kafka, serde, redis, admin: a, input } = await setUp(data);
    let done = false;
    const producing = produceInteractionsPaced(kafka, serde, data.interactions, {
      chunk: 1000,
      pauseMs: 600,
    }).finally(() => (done = true));
    let child = startProcessor(s);
    const applied = async () => {
      const lag = await pipelineLag(a, redis, 'v1');
      return { next: lag.partitions.reduce((sum, p) => sum + p.next, 0), lag: lag.total };
    };
    let kills = 0;
    let last = 0;
    while (kills < 4) {
      // Kill only once the restarted process has applied more, and while input is still pending.
      let state = await applied();
      await waitUntil(async () => {
        state = await applied();
        return (state.next >= last + 1500 && state.lag > 0) || (done && state.lag === 0);
      }, 'progress before a kill');
      if (state.lag === 0) break;
      last = state.next;
      await child.kill('SIGKILL');
      kills++;
      child = startProcessor(s);
    }
    await producing;
    expect(kills).toBe(4);
    await waitForCaughtUp(kafka, redis, 'v1');
    await expectOracle(kafka, serde, redis, input);
    await child.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
  });

  it('two processes share the partitions; killing one moves its partitions to the other', async () => {
    const data = makeDataset({ users: 250, items: 300, events: 24_000, days: 30, seed: 22 });
    const { stack: s, kafka, serde, redis, admin: a, input } = await setUp(data);
    const first = startProcessor(s);
    const second = startProcessor(s);
    const group = processorGroupId('user-features', 'v1');
    const assignments = async () => {
      const { groups } = await a.describeGroups([group]);
      return (groups[0]?.members ?? []).map((m) => {
        const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
        return Object.values(decoded?.assignment ?? {}).flat().length;
      });
    };
    await waitUntil(async () => {
      const sizes = await assignments();
      return sizes.length === 2 && sizes.every((n) => n > 0);
    }, 'both processes owning partitions of the user-features group');

    const half = data.interactions.length / 2;
    await produceInteractionsPaced(kafka, serde, data.interactions.slice(0, half), {
      chunk: 1000,
      pauseMs: 100,
    });
    await waitUntil(
      async () => (await pipelineLag(a, redis, 'v1')).partitions.some((p) => p.next > 0),
      'some progress',
    );
    await first.kill('SIGKILL');
    await produceInteractionsPaced(kafka, serde, data.interactions.slice(half), {
      chunk: 1000,
      pauseMs: 100,
    });
    await waitUntil(
      async () => {
        const sizes = await assignments();
        return sizes.length === 1 && sizes[0] === 6;
      },
      'the surviving process owning all six partitions',
      180_000,
      500,
    );
    await waitForCaughtUp(kafka, redis, 'v1');
    await expectOracle(kafka, serde, redis, input);
    await second.kill('SIGTERM');
  });

  it('a batch whose outputs were produced but whose state was never written is absorbed', async () => {
    // Unique event ids over 60 days and the default 30-day dedupe horizon: event_id dedupe alone
    // cannot recognise a re-produced copy older than the horizon; the origin offsets must.
    const data = makeDataset({
      users: 200,
      items: 200,
      events: 12_000,
      days: 60,
      seed: 23,
      duplicateRate: 0,
    });
    const { stack: s, kafka, serde, redis, input } = await setUp(data);
    await produceInteractions(kafka, serde, data.interactions);
    // What a user processor does up to the moment a crash between produce and EXEC stops it.
    const messages = await readRawPartition(kafka, TOPIC.interactions, 0, 800);
    const records = await decodeMessages(messages, {
      serde,
      registryUrl: s.registryUrl!,
      keyField: 'user_id',
    });
    const tx = new TxConnection(s.redis());
    const ref = { version: 'v1', topic: TOPIC.interactions, partition: 0 };
    const loaded = await loadState(tx, userFeaturesSpec, ref, records, false);
    const plan = planBatch(records, loaded.state, {
      spec: userFeaturesSpec,
      version: 'v1',
      dedupeHorizonMs: 30 * 86_400_000,
      now: Date.now(),
      join: (item) => input.catalog.get(item),
      repartitioned: false,
    });
    expect(plan.applied.length).toBeGreaterThan(700);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await produceAll(producer, [
      ...repartitionMessages(plan, 'v1', 0),
      ...(await featureMessages(serde, userFeaturesSpec, 'v1', plan, Date.now())),
    ]);
    await producer.disconnect();
    await tx.redis.unwatch();

    // The item side applies the orphaned copies first; then the user side runs to the end (the
    // clock reaches day 60); then the item side meets the real records, far behind the clock.
    const common = {
      version: 'v1',
      kafkaBrokers: [s.brokers!],
      registryUrl: s.registryUrl!,
      redisUrl: s.redisUrl!,
      logger: s.logger,
      dedupeHorizonDays: 30,
    };
    const admin = kafka.admin();
    await admin.connect();
    const lag = () => pipelineLag(admin, redis, 'v1');
    const early = await startProcessors({ ...common, which: 'item-features' });
    await waitUntil(async () => (await lag()).itemLag === 0, 'orphaned copies applied', 180_000, 250);
    await early.stop();
    const users = await startProcessors({ ...common, which: 'user-features' });
    await waitUntil(async () => (await lag()).userLag === 0, 'user side caught up', 180_000, 250);
    await admin.disconnect();
    const items = await startProcessors({ ...common, which: 'item-features' });
    try {
      await waitForCaughtUp(kafka, redis, 'v1');
      await expectOracle(kafka, serde, redis, input);
    } finally {
      await users.stop();
      await items.stop();
    }
  });
});
