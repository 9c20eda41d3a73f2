/**
 * `recostream replay` end to end against the cost of reading the file alone.
 *
 *   npm run bench:replay [-- --interactions 1000000 --batch 10000]
 *
 * 1. generates the interactions (seeded; users and items scale with them),
 * 2. a parse + validate + Avro-encode pass over the file, producing nothing (the baseline),
 * 3. replays the same file into the embedded broker (a child process: its own core, fsync every
 *    1000 ms) through the registry and the typed producer, acks=-1, idempotent,
 * and prints events/s and MB/s of both and their ratio (how much of the cost is the broker).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { READY_PREFIX } from '../embedded/kafka/server/run.js';
import { startRegistry } from '../embedded/registry/index.js';
import { createKafka } from '../lib/kafka.js';
import { silentLogger } from '../lib/logger.js';
import { generateDataset } from '../replay/generate/index.js';
import { replayFile, type ReplayResult } from '../replay/index.js';
import { createKafkaReplaySink } from '../replay/kafka-sink.js';
import type { RecordProducer, ReplaySink } from '../replay/sink.js';
import { AvroSerde } from '../schemas/serde.js';
import type { Interaction } from '../schemas/types.js';
import { applyTopology } from '../topology/apply.js';

const { values } = parseArgs({
  options: {
    interactions: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
  },
});
const INTERACTIONS = Number(values.interactions);
const BATCH = Number(values.batch);

async function startBrokerProcess(dataDir: string): Promise<{ brokers: string; stop: () => Promise<void> }> {
  const root = path.join(import.meta.dirname, '..');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'embedded/kafka/main.ts',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--flush',
      'interval:1000',
    ],
    { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] },
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

/** A sink that encodes every record (as the producer would) and sends nothing. */
function encodeOnlySink(): ReplaySink {
  const serde = new AvroSerde({ url: 'http://127.0.0.1:1' });
  let bytes = 0;
  const producer: RecordProducer = {
    produce: async (topic, records) => {
      if (topic === 'interactions') {
        for (const r of records) {
          const e = r as Interaction;
          bytes += serde.encodeWithId(1, 'Interaction', e).length + Buffer.byteLength(e.user_id);
        }
      }
      return { sent: records.length, failed: [] };
    },
  };
  return {
    producer,
    manifests: { latest: async () => null, record: async () => {} },
    close: async () => {
      if (bytes === 0) throw new Error('nothing was encoded');
    },
  };
}

/** Peak resident memory while `work` runs (sampled every 100 ms): replay must not grow with the file. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const value = await work();
    return { value, peakMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20) };
  } finally {
    clearInterval(timer);
  }
}

function line(label: string, result: ReplayResult, seconds: number, fileBytes: number, peakMb: number): void {
  const r = result.report;
  process.stdout.write(
    `${label.padEnd(34)} ${(r.accepted / seconds).toFixed(0).padStart(8)} events/s  ` +
      `${(fileBytes / 1e6 / seconds).toFixed(1).padStart(6)} MB/s  ${seconds.toFixed(2)} s  ` +
      `peak RSS ${peakMb} MB  (${r.accepted} accepted, ${r.rejected} rejected, status ${r.status})\n`,
  );
}

const work = await mkdtemp(path.join(tmpdir(), 'bench-replay-'));
try {
  let t = performance.now();
  const dataset = await generateDataset({
    users: Math.max(100, Math.round(INTERACTIONS / 20)),
    items: Math.max(100, Math.round(INTERACTIONS / 50)),
    interactions: INTERACTIONS,
    outDir: path.join(work, 'data'),
    seed: 1,
  });
  const generateSeconds = (performance.now() - t) / 1000;
  const file = dataset.files.interactions;
  const fileBytes = (await stat(file)).size;
  process.stdout.write(
    `generate: ${INTERACTIONS} interactions (${(fileBytes / 1e6).toFixed(1)} MB) in ${generateSeconds.toFixed(2)} s ` +
      `(${(INTERACTIONS / generateSeconds).toFixed(0)} rows/s)\n`,
  );

  t = performance.now();
  const { value: baseline, peakMb: baselinePeak } = await withPeakRss(() =>
    replayFile({ kind: 'interactions', input: file, sink: encodeOnlySink(), batchSize: BATCH }),
  );
  const baselineSeconds = (performance.now() - t) / 1000;

  const broker = await startBrokerProcess(path.join(work, 'broker'));
  const registry = await startRegistry({ port: 0, brokers: [broker.brokers], logger: silentLogger });
  try {
    const kafka = createKafka({ brokers: [broker.brokers], clientId: 'bench-replay', logger: silentLogger });
    await applyTopology({
      kafka,
      serde: new AvroSerde({ url: registry.url }),
      featureVersion: 'v1',
      logger: silentLogger,
    });
    const sink = await createKafkaReplaySink({
      brokers: [broker.brokers],
      registryUrl: registry.url,
      logger: silentLogger,
      maxBatchRecords: BATCH,
    });
    t = performance.now();
    const { value: endToEnd, peakMb: endToEndPeak } = await withPeakRss(() =>
      replayFile({ kind: 'interactions', input: file, sink, batchSize: BATCH }),
    );
    const endToEndSeconds = (performance.now() - t) / 1000;
    await sink.close();
    if (endToEnd.status !== 'completed') throw new Error(endToEnd.message);

    line('parse + validate + encode only', baseline, baselineSeconds, fileBytes, baselinePeak);
    line('replay into the embedded broker', endToEnd, endToEndSeconds, fileBytes, endToEndPeak);
    process.stdout.write(
      `load average during the run: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
    process.stdout.write(
      `ratio: end to end runs at ${((100 * baselineSeconds) / endToEndSeconds).toFixed(0)}% of the ` +
        `parse+validate+encode rate (${(endToEndSeconds / baselineSeconds).toFixed(2)}x its time)\n`,
    );
  } finally {
    await registry.close();
    await broker.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
