/**
 * TypedProducer throughput through the embedded broker, against the cost of Avro encoding alone
 * (the same records through AvroSerde.encodeWithId in the same run).
 *
 *   npm run bench:producer [-- --records 200000 --batch 10000]
 *
 * The broker runs as a child process (its own core, as in production, fsync every 1000 ms); the
 * registry and the producer run in this process. Records are Interactions keyed by user_id over
 * 6 partitions, acks=-1, idempotent producer, no compression.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { READY_PREFIX } from '../embedded/kafka/server/run.js';
import { startRegistry } from '../embedded/registry/index.js';
import { createKafka } from '../lib/kafka.js';
import { silentLogger } from '../lib/logger.js';
import { AvroSerde } from '../schemas/serde.js';
import type { Interaction } from '../schemas/types.js';
import { applyTopology } from '../topology/apply.js';
import { TypedProducer } from '../topology/producer.js';
import { TOPIC } from '../topology/topics.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '10000' },
  },
});
const RECORDS = Number(values.records);
const BATCH = Number(values.batch);

async function startBrokerProcess(dataDir: string): Promise<{ brokers: string; stop: () => Promise<void> }> {
  const root = path.join(import.meta.dirname, '..');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'embedded/kafka/main.ts', '--data-dir', dataDir, '--port', '0'],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const brokers = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(READY_PREFIX)) resolve(line.slice(READY_PREFIX.length).trim());
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return {
    brokers,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function interactions(n: number, offset: number): Interaction[] {
  const types = ['view', 'click', 'add_to_cart', 'purchase', 'like', 'rate'] as const;
  return Array.from({ length: n }, (_, k) => {
    const i = offset + k;
    const eventType = types[i % types.length]!;
    return {
      event_id: `bench-${i}`,
      user_id: `u${i % 5000}`,
      item_id: `i${(i * 7919) % 20000}`,
      event_type: eventType,
      rating: eventType === 'rate' ? 1 + (i % 5) : null,
      event_time: 1_700_000_000_000 + i * 1000,
      session_id: `s${Math.floor(i / 20)}`,
      device_type: i % 2 ? 'mobile' : 'web',
      page_context: 'home',
      price: eventType === 'purchase' ? 9.99 : null,
      source: 'replay:bench.csv',
      ingest_time: 1_700_000_000_000 + i * 1000 + 50,
    };
  });
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-producer-'));
const broker = await startBrokerProcess(dataDir);
const registry = await startRegistry({ port: 0, brokers: [broker.brokers], logger: silentLogger });
try {
  const kafka = createKafka({ brokers: [broker.brokers], clientId: 'bench-producer', logger: silentLogger });
  const serde = new AvroSerde({ url: registry.url });
  await applyTopology({ kafka, serde, featureVersion: 'v1', logger: silentLogger });
  const schemaId = await serde.schemaId(TOPIC.interactions, 'Interaction');

  // Records are built outside the timed sections: both measure only what they are named after.
  const chunks: Interaction[][] = [];
  for (let offset = 0; offset < RECORDS; offset += BATCH)
    chunks.push(interactions(Math.min(BATCH, RECORDS - offset), offset));

  let bytes = 0;
  const encodeStart = process.hrtime.bigint();
  for (const chunk of chunks)
    for (const r of chunk) bytes += serde.encodeWithId(schemaId, 'Interaction', r).length;
  const encodeSeconds = Number(process.hrtime.bigint() - encodeStart) / 1e9;

  const producer = new TypedProducer(kafka, serde, { logger: silentLogger, maxBatchRecords: BATCH });
  await producer.connect();
  let sent = 0;
  const produceStart = process.hrtime.bigint();
  for (const chunk of chunks) {
    const result = await producer.produce(TOPIC.interactions, chunk);
    if (result.failed.length)
      throw new Error(`bench records failed: ${JSON.stringify(result.failed.slice(0, 3))}`);
    sent += result.sent;
  }
  const produceSeconds = Number(process.hrtime.bigint() - produceStart) / 1e9;
  await producer.disconnect();

  const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
  const mb = (s: number) => (bytes / 1e6 / s).toFixed(1);
  process.stdout.write(
    [
      `records: ${RECORDS.toLocaleString('en-US')} Interactions, ${Math.round(bytes / RECORDS)} bytes each encoded, produce calls of ${BATCH.toLocaleString('en-US')}`,
      `encode only (AvroSerde.encodeWithId):   ${rate(RECORDS, encodeSeconds)} records/s  ${mb(encodeSeconds)} MB/s`,
      `TypedProducer.produce (acks=-1):         ${rate(sent, produceSeconds)} records/s  ${mb(produceSeconds)} MB/s`,
      `produce / encode: ${(encodeSeconds / produceSeconds).toFixed(2)}`,
      '',
    ].join('\n'),
  );
} finally {
  await registry.close();
  await broker.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
