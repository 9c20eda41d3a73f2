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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../lib/logger.js';
import type { Interaction } from '../schemas/types.js';
import { TypedProducer } from '../topology/producer.js';
import { TOPIC } from '../topology/topics.js';
import { benchOptions } from './support/options.js';
import { out, perSecond, ratio } from './support/report.js';
import { startBenchStack } from './support/stack.js';
import { stopwatch } from './support/timing.js';

const { records: RECORDS, batch: BATCH } = benchOptions({ records: 200_000, batch: 10_000 });

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
const stack = await startBenchStack({ dir: dataDir, clientId: 'bench-producer' });
try {
  const { kafka, serde } = stack;
  const schemaId = await serde.schemaId(TOPIC.interactions, 'Interaction');

  // Records are built outside the timed sections: both measure only what they are named after.
  const chunks: Interaction[][] = [];
  for (let offset = 0; offset < RECORDS; offset += BATCH)
    chunks.push(interactions(Math.min(BATCH, RECORDS - offset), offset));

  let bytes = 0;
  const encoding = stopwatch();
  for (const chunk of chunks)
    for (const r of chunk) bytes += serde.encodeWithId(schemaId, 'Interaction', r).length;
  const encodeSeconds = encoding();

  const producer = new TypedProducer(kafka, serde, { logger: silentLogger, maxBatchRecords: BATCH });
  await producer.connect();
  let sent = 0;
  const producing = stopwatch();
  for (const chunk of chunks) {
    const result = await producer.produce(TOPIC.interactions, chunk);
    if (result.failed.length)
      throw new Error(`bench records failed: ${JSON.stringify(result.failed.slice(0, 3))}`);
    sent += result.sent;
  }
  const produceSeconds = producing();
  await producer.disconnect();

  const mb = (s: number) => (bytes / 1e6 / s).toFixed(1);
  out(
    `records: ${RECORDS.toLocaleString('en-US')} Interactions, ${Math.round(bytes / RECORDS)} bytes each encoded, produce calls of ${BATCH.toLocaleString('en-US')}`,
  );
  out(
    `encode only (AvroSerde.encodeWithId):   ${perSecond(RECORDS, encodeSeconds)} records/s  ${mb(encodeSeconds)} MB/s`,
  );
  out(
    `TypedProducer.produce (acks=-1):         ${perSecond(sent, produceSeconds)} records/s  ${mb(produceSeconds)} MB/s`,
  );
  out(`produce / encode: ${ratio(encodeSeconds, produceSeconds)}`);
} finally {
  await stack.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
