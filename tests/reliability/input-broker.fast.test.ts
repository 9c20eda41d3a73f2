import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../compat/helpers.js';
import { readRawTopic } from './raw-topic.js';
import { recordResult } from './results.js';

/**
 * tests/compat/fuzz.test.ts sends malformed frames to an idle broker one connection at a time.
 * Here several connections feed it generated garbage — random bytes, random frames behind real
 * request headers, sizes above the maximum or negative, frames dribbled byte by byte, frames
 * announced and never finished — at the same time as a producer and a consumer do real work,
 * which must not notice.
 */

const MAX_FRAME = 1 << 20;

function sized(body: Buffer, announced = body.length): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(announced);
  return Buffer.concat([prefix, body]);
}

type Attack = { bytes: Buffer; dribble: boolean; holdMs: number };

const attacks: fc.Arbitrary<Attack> = fc.record({
  bytes: fc.oneof(
    fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
    fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => sized(Buffer.from(b))),
    // A real request header (api key 0–19, any version, correlation id, client id) and a random body.
    fc
      .tuple(
        fc.integer({ min: 0, max: 19 }),
        fc.integer({ min: 0, max: 15 }),
        fc.uint8Array({ maxLength: 300 }),
      )
      .map(([key, version, body]) =>
        sized(
          Buffer.concat([
            Buffer.from([0, key, 0, version, 0, 0, 0, 9, 0, 3, 0x66, 0x75, 0x7a]),
            Buffer.from(body),
          ]),
        ),
      ),
    // Announced sizes above the maximum, up to 2^31 - 1, and negative ones.
    fc.integer({ min: MAX_FRAME + 1, max: 2 ** 31 - 1 }).map((n) => sized(Buffer.alloc(16), n)),
    fc.integer({ min: -(2 ** 31), max: -1 }).map((n) => sized(Buffer.alloc(8), n)),
    // A large frame announced, a little of it sent, the rest never.
    fc.integer({ min: 1024, max: MAX_FRAME }).map((n) => sized(Buffer.alloc(512, 7), n)),
  ),
  dribble: fc.boolean(),
  holdMs: fc.integer({ min: 0, max: 300 }),
});

/** Sends an attack on its own connection; resolves with whether the broker closed it. */
function attack(port: number, a: Attack): Promise<'closed' | 'quiet'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (how: 'closed' | 'quiet') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(how);
    };
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('closed'));
    socket.on('connect', async () => {
      if (a.dribble) {
        for (let i = 0; i < a.bytes.length && !done; i += 7) {
          socket.write(a.bytes.subarray(i, i + 7));
          await new Promise((r) => setTimeout(r, 2));
        }
      } else socket.write(a.bytes);
      timer = setTimeout(() => finish('quiet'), a.holdMs + 50);
    });
  });
}

describe('garbage on the broker port while real clients work', () => {
  let tb: TestBroker | undefined;

  afterAll(async () => {
    await tb?.stop();
  });

  it('closes or ignores every bad connection, and the producer and consumer see nothing of it', async () => {
    tb = await startTestBroker({ maxFrameBytes: MAX_FRAME });
    const port = tb.broker.port;
    const kafka = tb.kafka();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'steady', numPartitions: 3 }] });
    await admin.disconnect();

    const drawn = fc.sample(attacks, { numRuns: 600 });
    const outcomes = { closed: 0, quiet: 0 };
    let producing = true;
    const attackers = Array.from({ length: 6 }, async (_, w) => {
      for (let i = w; i < drawn.length; i += 6) {
        outcomes[await attack(port, drawn[i]!)]++;
        if (!producing && i > drawn.length / 2) break;
      }
    });

    const producer = kafka.producer();
    await producer.connect();
    const sent: string[] = [];
    for (let b = 0; b < 30; b++) {
      const values = Array.from({ length: 100 }, (_, m) => `b${b}-m${m}`);
      await producer.send({
        topic: 'steady',
        acks: -1,
        messages: values.map((value) => ({ key: value, value })),
      });
      sent.push(...values);
    }
    await producer.disconnect();
    producing = false;
    await Promise.all(attackers);

    const got = await readRawTopic(kafka, 'steady');
    expect(got.map((r) => r.value!.toString()).sort()).toEqual([...sent].sort());
    // Per partition, in the order sent.
    for (const p of [0, 1, 2]) {
      const values = got.filter((r) => r.partition === p).map((r) => r.value!.toString());
      expect(values).toEqual(sent.filter((v) => values.includes(v)));
    }
    const check = kafka.admin();
    await check.connect();
    expect((await check.describeCluster()).brokers).toHaveLength(1);
    await check.disconnect();
    const total = outcomes.closed + outcomes.quiet;
    recordResult({
      id: 'input-broker-port',
      group: 'input',
      fault:
        'Garbage on the broker port: random bytes, random bodies behind real request headers, sizes above the maximum (to 2^31−1) and negative, frames dribbled 7 bytes at a time, large frames announced and never finished',
      injection: `${total} connections from 6 concurrent attackers (fast-check), max frame 1 MiB, while a kafkajs producer sends 3,000 records (acks=all) and a consumer reads them`,
      mustHold:
        'Bad connections closed or ignored, never an answer to garbage that breaks a client; the broker keeps serving; every record produced exactly once, in order per partition',
      result: `${total} bad connections: ${outcomes.closed} closed by the broker, ${outcomes.quiet} left waiting for more bytes (closed by the client); 3,000 records produced and read back exactly once, in order`,
      figures: {
        connections: total,
        closedByBroker: outcomes.closed,
        waiting: outcomes.quiet,
        records: sent.length,
      },
    });
  });
});
