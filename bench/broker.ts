/**
 * kafkajs produce and consume throughput through the embedded broker, against the disk's own
 * pace: the same record bytes appended straight to a file with fs in the same run.
 *
 *   npm run bench:broker [-- --records 200000 --concurrency 4 --flush interval:1000]
 *
 * The broker runs as a child process (its own core, as in production); the client is kafkajs
 * 2.2.4 in this process, batches of 1,000 records, acks=-1, no compression.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { ApiKey } from '../embedded/kafka/protocol/api-keys.js';
import { produceRequest } from '../embedded/kafka/protocol/produce/request.js';
import { encodeBatch } from '../embedded/kafka/records/index.js';
import { FrameSplitter } from '../embedded/kafka/wire/frame.js';
import { frame, writeRequestHeader } from '../embedded/kafka/wire/header.js';
import { Writer } from '../embedded/kafka/wire/writer.js';
import { spawnBroker } from '../tests/harness/processes.js';
import { benchOptions } from './support/options.js';
import { machine, markdownTable, out, perSecond } from './support/report.js';
import { stopwatch } from './support/timing.js';

const {
  records: RECORDS,
  concurrency: CONCURRENCY,
  flush: FLUSH,
} = benchOptions({ records: 100_000, concurrency: 4, flush: 'interval:1000' });
const BATCH = 1000;

interface Row {
  what: string;
  recordBytes: number;
  records: number;
  seconds: number;
  bytes: number;
}

async function benchBroker(brokers: string, recordBytes: number, records: number): Promise<Row[]> {
  const kafka = new Kafka({ brokers: [brokers], clientId: 'bench', logLevel: logLevel.NOTHING });
  const topic = `bench-${recordBytes}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic }] });
  await admin.disconnect();
  const value = Buffer.alloc(recordBytes, 'x');
  const batch = Array.from({ length: BATCH }, () => ({ value }));
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: batch.slice(0, 1) });

  const producing = stopwatch();
  let next = 0;
  const batches = Math.ceil(records / BATCH);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches) {
        next++;
        await producer.send({ topic, acks: -1, messages: batch });
      }
    }),
  );
  const produceSeconds = producing();
  await producer.disconnect();

  const total = batches * BATCH + 1;
  const consumer = kafka.consumer({
    groupId: `${topic}-reader`,
    maxBytes: 50 * 1024 * 1024,
    maxBytesPerPartition: 10 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let consumed = 0;
  // From the first batch received: the group join before it is not consumption.
  let consuming: (() => number) | undefined;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch: b }) => {
        consuming ??= stopwatch();
        consumed += b.messages.length;
        if (consumed >= total) resolve();
      },
    });
  });
  const consumeSeconds = consuming!();
  await consumer.disconnect();
  return [
    {
      what: 'kafkajs produce (broker)',
      recordBytes,
      records: batches * BATCH,
      seconds: produceSeconds,
      bytes: batches * BATCH * recordBytes,
    },
    {
      what: 'kafkajs consume (broker)',
      recordBytes,
      records: total,
      seconds: consumeSeconds,
      bytes: total * recordBytes,
    },
  ];
}

/**
 * The broker's own capacity, without kafkajs' client-side cost (its producer groups messages
 * per partition in O(n^2) per send): Produce v7 requests carrying pre-encoded 1,000-record
 * batches, acks=-1, CONCURRENCY requests in flight on one connection.
 */
async function benchRawProduce(brokers: string, recordBytes: number, records: number): Promise<Row> {
  const [host, port] = brokers.split(':');
  const topic = `raw-${recordBytes}`;
  const value = Buffer.alloc(recordBytes, 'x');
  const now = Date.now();
  const batch = encodeBatch({
    baseOffset: 0,
    attributes: 0,
    lastOffsetDelta: BATCH - 1,
    baseTimestamp: now,
    maxTimestamp: now,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    partitionLeaderEpoch: -1,
    records: Array.from({ length: BATCH }, (_, i) => ({
      offsetDelta: i,
      timestampDelta: 0,
      attributes: 0,
      key: null,
      value,
      headers: [],
    })),
  });
  const request = (correlationId: number): Buffer[] => {
    const w = new Writer();
    writeRequestHeader(
      w,
      { apiKey: ApiKey.Produce, apiVersion: 7, correlationId, clientId: 'bench-raw' },
      false,
    );
    produceRequest.write(
      w,
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
      },
      7,
    );
    return frame(w.chunksOut());
  };
  const kafka = new Kafka({ brokers: [brokers], clientId: 'bench', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic }] });
  await admin.disconnect();
  const socket = connect(Number(port), host!);
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  const batches = Math.ceil(records / BATCH);
  const splitter = new FrameSplitter();
  let sent = 0;
  let answered = 0;
  const elapsed = stopwatch();
  await new Promise<void>((resolve, reject) => {
    const sendOne = (): void => {
      for (const c of request(sent++)) socket.write(c);
    };
    socket.on('data', (chunk: Buffer) => {
      for (const f of splitter.push(chunk)) {
        // Response: correlation id, one topic, one partition: its error code must be 0.
        if (f.readInt16BE(4 + 4 + 2 + topic.length + 4 + 4) !== 0) reject(new Error('produce failed'));
        answered++;
        if (answered === batches) resolve();
        else if (sent < batches) sendOne();
      }
    });
    for (let i = 0; i < Math.min(CONCURRENCY, batches); i++) sendOne();
  });
  const seconds = elapsed();
  socket.destroy();
  return {
    what: 'raw Produce v7 (broker capacity)',
    recordBytes,
    records: batches * BATCH,
    seconds,
    bytes: batches * BATCH * recordBytes,
  };
}

/** The same record bytes in 1,000-record writes to a file, fsynced at the end: the disk's pace. */
function benchFile(dir: string, recordBytes: number, records: number): Row {
  const file = path.join(dir, `baseline-${recordBytes}.bin`);
  const chunk = Buffer.alloc(recordBytes * BATCH, 'x');
  const elapsed = stopwatch();
  const fd = fs.openSync(file, 'a');
  for (let i = 0; i < records; i += BATCH) fs.writeSync(fd, chunk);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const seconds = elapsed();
  return { what: 'fs append (baseline)', recordBytes, records, seconds, bytes: records * recordBytes };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-broker-'));
const broker = await spawnBroker(path.join(dir, 'data'), ['--flush', FLUSH]);
const rows: Row[] = [];
try {
  for (const [recordBytes, records] of [
    [100, RECORDS],
    [1024, Math.max(BATCH, Math.floor(RECORDS / 4))],
  ] as const) {
    rows.push(benchFile(dir, recordBytes, records));
    rows.push(await benchRawProduce(broker.brokers, recordBytes, records * 5));
    rows.push(...(await benchBroker(broker.brokers, recordBytes, records)));
  }
} finally {
  await broker.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

out(`${machine()}; flush ${FLUSH}, ${CONCURRENCY} sends in flight, acks=-1`);
out(
  markdownTable(
    ['what', 'record bytes', 'records', 'seconds', 'records/s', 'MB/s'],
    rows.map((r) => [
      r.what,
      r.recordBytes,
      r.records.toLocaleString('en-US'),
      r.seconds.toFixed(2),
      perSecond(r.records, r.seconds),
      (r.bytes / r.seconds / 1e6).toFixed(1),
    ]),
  ),
);
