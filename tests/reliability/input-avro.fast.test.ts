import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthRegistry } from '../../lib/health.js';
import { startProcessors, type RunningProcessors } from '../../processors/start.js';
import { ensureTopics } from '../../processors/topics.js';
import type { Interaction } from '../../schemas/types.js';
import { createFeatureReader } from '../../sinks/redis/reader.js';
import { TOPIC } from '../../topology/topics.js';
import { makeDataset, rng } from '../harness/dataset.js';
import { produceItems, produceMessages, readTopic, waitForCaughtUp } from '../harness/kafka-io.js';
import { startStack, type Stack } from '../harness/stack.js';
import { oracleInputs, redisDifferences } from '../integration/processors/oracle-check.js';
import { readRawTopic } from './raw-topic.js';
import { recordResult, secondsSince } from './results.js';

/**
 * Generated broken payloads produced raw onto `interactions` between valid events, as any Kafka
 * producer could: wrong magic byte, unknown schema id, truncated bytes, random bodies behind a
 * real schema id, another record type's schema, empty and null values, a key that is not the
 * user_id, values outside the rules. Each must become a dead letter with its raw bytes and the
 * processors must go on: the features equal the oracle over the valid events.
 */

type BadKind =
  | 'wrong_magic'
  | 'unknown_schema_id'
  | 'truncated'
  | 'random_body'
  | 'other_record_type'
  | 'empty'
  | 'null'
  | 'key_mismatch'
  | 'out_of_rules';

interface Bad {
  kind: BadKind;
  key: string;
  value: Buffer | null;
}

describe('broken Avro payloads on interactions', () => {
  let stack: Stack | undefined;
  let processors: RunningProcessors | undefined;

  afterAll(async () => {
    await processors?.stop();
    await stack?.stop();
  });

  it('each becomes a dead letter with its raw bytes and key; processing goes on and equals the oracle', async () => {
    const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
    const data = makeDataset({ users: 120, items: 150, events: 3000, days: 20, seed: 41 });
    stack = await startStack({ redis: true, broker: true, registry: true });
    const kafka = stack.kafka();
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, 'v1');
    await admin.disconnect();
    const serde = stack.serde();
    await produceItems(kafka, serde, data.items);

    const encoded = new Map<string, Buffer>();
    for (const e of data.interactions)
      encoded.set(e.event_id, await serde.encode(TOPIC.interactions, 'Interaction', e));
    const validBytes = new Set([...encoded.values()].map((b) => b.toString('hex')));
    const sample = [...encoded.values()];
    const itemBytes = await serde.encode(TOPIC.items, 'Item', data.items[0]!);
    const interactionsId = sample[0]!.readInt32BE(1);
    const fresh = (n: number): Interaction => ({
      ...data.interactions[0]!,
      event_id: `bad-${n}`,
      user_id: `bad-user-${n}`,
    });

    // The generators: fast-check draws the payloads (seeded, printed in the results).
    const kinds = fc.constantFrom<BadKind>(
      'wrong_magic',
      'unknown_schema_id',
      'truncated',
      'random_body',
      'other_record_type',
      'empty',
      'null',
      'key_mismatch',
      'out_of_rules',
    );
    const drawn = fc.sample(
      fc.tuple(
        kinds,
        fc.nat({ max: sample.length - 1 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        fc.uint8Array({ maxLength: 120 }),
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 100_000, max: 2_000_000_000 }),
      ),
      { numRuns: 300, seed },
    );
    const bad: Bad[] = [];
    for (const [n, [kind, pick, cut, bytes, magic, id]] of drawn.entries()) {
      const base = sample[pick]!;
      const key = `bad-key-${n}`;
      let value: Buffer | null;
      switch (kind) {
        case 'wrong_magic':
          value = Buffer.concat([Buffer.from([magic]), base.subarray(1)]);
          break;
        case 'unknown_schema_id': {
          const header = Buffer.alloc(5);
          header.writeInt32BE(id, 1);
          value = Buffer.concat([header, base.subarray(5)]);
          break;
        }
        case 'truncated':
          value = base.subarray(0, Math.floor(base.length * cut));
          break;
        case 'random_body': {
          const header = Buffer.alloc(5);
          header.writeInt32BE(interactionsId, 1);
          value = Buffer.concat([header, Buffer.from(bytes)]);
          // A random body that happens to be a valid Interaction is not bad input: leave it out.
          if (
            await serde.decode('Interaction', value).then(
              () => true,
              () => false,
            )
          )
            continue;
          break;
        }
        case 'other_record_type':
          value = itemBytes;
          break;
        case 'empty':
          value = Buffer.alloc(0);
          break;
        case 'null':
          value = null;
          break;
        case 'key_mismatch':
          value = await serde.encode(TOPIC.interactions, 'Interaction', fresh(n));
          break;
        case 'out_of_rules': {
          const e = fresh(n);
          const broken = [
            { ...e, rating: 9 },
            { ...e, price: -5 },
            { ...e, item_id: '' },
            { ...e, event_id: ' ' },
            { ...e, user_id: 'u'.repeat(300) },
          ][n % 5]!;
          value = await serde.encode(TOPIC.interactions, 'Interaction', broken);
          bad.push({ kind, key: broken.user_id, value });
          continue;
        }
      }
      bad.push({ kind, key, value });
    }

    // Valid events and broken payloads interleaved (seeded), produced as any producer would.
    const random = rng(seed);
    const messages: Message[] = data.interactions.map((e) => ({
      key: e.user_id,
      value: encoded.get(e.event_id)!,
    }));
    for (const b of bad)
      messages.splice(Math.floor(random() * (messages.length + 1)), 0, { key: b.key, value: b.value });

    const health = new HealthRegistry();
    processors = await startProcessors({
      which: 'all',
      version: 'v1',
      kafkaBrokers: [stack.brokers!],
      registryUrl: stack.registryUrl!,
      redisUrl: stack.redisUrl!,
      logger: stack.logger,
      dedupeHorizonDays: 3650,
      health,
    });
    const started = performance.now();
    await produceMessages(kafka, TOPIC.interactions, messages, 500);
    const redis = stack.redis();
    await waitForCaughtUp(kafka, redis, 'v1');
    const caughtUpS = secondsSince(started);

    // Which offsets hold what, as the processors saw them.
    const raw = await readRawTopic(kafka, TOPIC.interactions);
    const badAt = new Map<string, { key: string | null; value: Buffer | null }>();
    for (const r of raw) {
      if (r.value === null || !validBytes.has(r.value.toString('hex')))
        badAt.set(`${r.partition}/${r.offset}`, r);
    }
    expect(badAt.size).toBe(bad.length);

    const letters = (await readTopic(kafka, serde, TOPIC.deadLetters, 'DeadLetter'))
      .map((r) => r.value)
      .filter((l) => l.source === 'processor:user-features');
    const lettered = new Map<string, (typeof letters)[number]>();
    for (const l of letters) {
      expect(l.topic).toBe(TOPIC.interactions);
      lettered.set(`${l.partition}/${l.offset}`, l);
    }
    const missing = [...badAt.keys()].filter((at) => !lettered.has(at));
    const unexpected = [...lettered.keys()].filter((at) => !badAt.has(at));
    expect({ missing, unexpected }).toEqual({ missing: [], unexpected: [] });
    for (const [at, r] of badAt) {
      const letter = lettered.get(at)!;
      expect(Buffer.compare(letter.raw, r.value ?? Buffer.alloc(0))).toBe(0);
      expect(letter.raw_key?.toString() ?? null).toBe(r.key);
      expect(letter.reason.length).toBeGreaterThan(0);
    }

    const result = await redisDifferences(
      createFeatureReader(redis),
      oracleInputs(data.interactions, data.items),
    );
    expect(result.diffs.slice(0, 20)).toEqual([]);
    expect(health.status().healthy).toBe(true);
    expect(processors.status().every((p) => p.healthy)).toBe(true);

    const byKind = new Map<string, number>();
    for (const b of bad) byKind.set(b.kind, (byKind.get(b.kind) ?? 0) + 1);
    const reasons = new Map<string, number>();
    for (const l of letters) {
      const reason = l.reason.split(':')[0]!;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    recordResult({
      id: 'input-avro-payloads',
      group: 'input',
      fault:
        'Broken payloads on interactions: wrong magic byte, unknown schema id, truncated bytes, random bodies behind the real schema id, an Item where an Interaction belongs, empty and null values, key ≠ user_id, values outside the rules',
      injection: `${bad.length} payloads drawn by fast-check (seed ${seed}), produced raw among ${data.interactions.length} valid events with kafkajs; processors running`,
      mustHold:
        'Exactly one dead letter per broken offset, with its raw bytes, key, topic, partition, offset and a reason; none for valid events; processors stay healthy; Redis equals the oracle over the valid events',
      result: `${bad.length} broken (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}) → ${letters.length} dead letters (${[...reasons].map(([k, n]) => `${k} ${n}`).join(', ')}); features of ${result.users} users and ${result.items} items equal the oracle; caught up ${caughtUpS} s after the first produce`,
      figures: {
        broken: bad.length,
        deadLetters: letters.length,
        valid: data.interactions.length,
        seed,
        caughtUpS,
      },
    });
  });
});
