import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { AvroSerde } from '../../schemas/serde.js';
import type { Interaction } from '../../schemas/types.js';
import { applyTopology } from '../../topology/apply.js';
import { TOPIC } from '../../topology/topics.js';
import { startStack, type Stack } from '../harness/stack.js';

const ROOT = path.join(import.meta.dirname, '../..');

let stack: Stack;
let kafka: Kafka;
let serde: AvroSerde;

beforeAll(async () => {
  stack = await startStack({ broker: true, registry: true });
  kafka = stack.kafka('example-test');
  serde = stack.serde();
  await applyTopology({ kafka, serde, featureVersion: 'v1', logger: stack.logger });
});
afterAll(async () => {
  await stack?.stop();
});

describe('examples/external-producer.ts', () => {
  it('writes interaction events that recostream reads back as valid Interactions', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/external-producer.ts', '3'],
      {
        cwd: ROOT,
        env: { ...process.env, ...stack.env() },
      },
    );
    const written = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event_id: string; partition: number });
    expect(written).toHaveLength(3);

    const consumer = kafka.consumer({ groupId: 'example-reader' });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC.interactions], fromBeginning: true });
    const read: { key: string; partition: number; event: Interaction }[] = [];
    await new Promise<void>((resolve, reject) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          try {
            read.push({
              key: message.key!.toString(),
              partition,
              event: await serde.decode('Interaction', message.value!),
            });
            if (read.length === 3) resolve();
          } catch (err) {
            reject(err);
          }
        },
      });
    });
    await consumer.disconnect();

    expect(read.map((r) => r.event.event_id).sort()).toEqual(written.map((w) => w.event_id).sort());
    for (const r of read) {
      expect(r.key).toBe(r.event.user_id);
      expect(r.partition).toBe(written.find((w) => w.event_id === r.event.event_id)!.partition);
      expect(r.event).toMatchObject({
        user_id: 'u42',
        event_type: 'purchase',
        source: 'producer',
        rating: null,
      });
    }
  });
});
