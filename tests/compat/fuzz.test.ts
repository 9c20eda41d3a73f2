// Embedded-only: the subject is the embedded broker's protocol decoding (captured and generated
// frames); not the pipeline on top.
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcat, startTestBroker, type TestBroker } from './helpers.js';

const fixturesDir = join(import.meta.dirname, '../fixtures/kafka');
const capturedFrames: Buffer[] = ['kafkajs', 'kcat', 'kafka-python'].flatMap((client) =>
  readdirSync(join(fixturesDir, client)).map((f) => readFileSync(join(fixturesDir, client, f))),
);

function sized(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

/** Sends bytes on a fresh connection; resolves with what came back once the broker closed it or went quiet. */
function sendRaw(
  port: number,
  bytes: Buffer,
  quietMs = 50,
): Promise<{ closedByBroker: boolean; received: number }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByBroker: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedByBroker, received });
    };
    socket.on('connect', () => {
      socket.write(bytes);
      timer = setTimeout(() => finish(false), quietMs);
    });
    socket.on('data', (d) => (received += d.length));
    socket.on('close', () => finish(true));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? finish(true) : reject(e)));
  });
}

describe('malformed input to the embedded broker', () => {
  let tb: TestBroker;
  let port: number;

  beforeAll(async () => {
    tb = await startTestBroker({ maxFrameBytes: 1 << 20 });
    port = tb.broker.port;
  });

  afterAll(async () => {
    await tb.stop();
  });

  async function stillServes(): Promise<void> {
    const admin = tb.kafka().admin();
    await admin.connect();
    expect((await admin.describeCluster()).brokers).toHaveLength(1);
    await admin.disconnect();
  }

  it('closes a connection that announces a frame above the maximum', async () => {
    const frame = Buffer.alloc(8);
    frame.writeInt32BE((1 << 20) + 1);
    expect((await sendRaw(port, frame)).closedByBroker).toBe(true);
    const negative = Buffer.from([0xff, 0xff, 0xff, 0xfe]);
    expect((await sendRaw(port, negative)).closedByBroker).toBe(true);
    await stillServes();
  });

  it('closes a connection that asks for an unknown API or version, without answering', async () => {
    const unknownKey = Buffer.from([0, 99, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);
    expect(await sendRaw(port, sized(unknownKey))).toEqual({ closedByBroker: true, received: 0 });
    const produceV2 = Buffer.from([0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff]);
    expect(await sendRaw(port, sized(produceV2))).toEqual({ closedByBroker: true, received: 0 });
  });

  it('survives random frames and random bytes, and answers the next good client', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => sized(Buffer.from(b))),
          fc
            .tuple(
              fc.integer({ min: 0, max: 15 }),
              fc.integer({ min: 0, max: 20 }),
              fc.uint8Array({ maxLength: 200 }),
            )
            .map(([key, version, body]) => {
              const header = Buffer.from([0, key, 0, version, 0, 0, 0, 7, 0, 1, 0x78]);
              return sized(Buffer.concat([header, Buffer.from(body)]));
            }),
        ),
        async (bytes) => {
          await sendRaw(port, bytes, 20);
        },
      ),
      { numRuns: 300 },
    );
    await stillServes();
  });

  it('closes connections that send truncated real requests, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...capturedFrames),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        async (frame, cut) => {
          const truncated = frame.subarray(0, Math.max(8, Math.floor(frame.length * cut)));
          await sendRaw(port, sized(truncated), 20);
        },
      ),
      { numRuns: 200 },
    );
    await stillServes();
    const { stdout } = await kcat(tb.broker.brokers, ['-L']);
    expect(stdout).toContain('1 brokers');
  });

  it('keeps a good connection working while another one is fed garbage', async () => {
    const admin = tb.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'fuzz-ok' }] });
    const garbage = sendRaw(port, sized(Buffer.from('definitely not kafka')));
    expect(await admin.listTopics()).toContain('fuzz-ok');
    expect((await garbage).closedByBroker).toBe(true);
    await admin.disconnect();
  });
});
