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
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../lib/logger.js';
import { replayFile, type ReplayResult } from '../replay/index.js';
import { createKafkaReplaySink } from '../replay/kafka-sink.js';
import type { RecordProducer, ReplaySink } from '../replay/sink.js';
import { AvroSerde } from '../schemas/serde.js';
import type { Interaction } from '../schemas/types.js';
import { benchDataset } from './support/dataset.js';
import { benchOptions } from './support/options.js';
import { machine, out, ratio } from './support/report.js';
import { startBenchStack } from './support/stack.js';
import { stopwatch } from './support/timing.js';

const { interactions: INTERACTIONS, batch: BATCH } = benchOptions({ interactions: 1_000_000, batch: 10_000 });

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
  out(
    `${label.padEnd(34)} ${(r.accepted / seconds).toFixed(0).padStart(8)} events/s  ` +
      `${(fileBytes / 1e6 / seconds).toFixed(1).padStart(6)} MB/s  ${seconds.toFixed(2)} s  ` +
      `peak RSS ${peakMb} MB  (${r.accepted} accepted, ${r.rejected} rejected, status ${r.status})`,
  );
}

const work = await mkdtemp(path.join(tmpdir(), 'bench-replay-'));
try {
  const generating = stopwatch();
  const dataset = await benchDataset(INTERACTIONS, work);
  const generateSeconds = generating();
  const file = dataset.files.interactions;
  const fileBytes = (await stat(file)).size;
  out(
    `generate: ${INTERACTIONS} interactions (${(fileBytes / 1e6).toFixed(1)} MB) in ${generateSeconds.toFixed(2)} s ` +
      `(${(INTERACTIONS / generateSeconds).toFixed(0)} rows/s)`,
  );

  const baselineRun = stopwatch();
  const { value: baseline, peakMb: baselinePeak } = await withPeakRss(() =>
    replayFile({ kind: 'interactions', input: file, sink: encodeOnlySink(), batchSize: BATCH }),
  );
  const baselineSeconds = baselineRun();

  // The baseline ran with nothing else of the benchmark running; the stack starts only now.
  const stack = await startBenchStack({ dir: work, clientId: 'bench-replay', flush: 'interval:1000' });
  try {
    const sink = await createKafkaReplaySink({
      brokers: [stack.brokers],
      registryUrl: stack.registryUrl,
      logger: silentLogger,
      maxBatchRecords: BATCH,
    });
    const endToEndRun = stopwatch();
    const { value: endToEnd, peakMb: endToEndPeak } = await withPeakRss(() =>
      replayFile({ kind: 'interactions', input: file, sink, batchSize: BATCH }),
    );
    const endToEndSeconds = endToEndRun();
    await sink.close();
    if (endToEnd.status !== 'completed') throw new Error(endToEnd.message);

    line('parse + validate + encode only', baseline, baselineSeconds, fileBytes, baselinePeak);
    line('replay into the embedded broker', endToEnd, endToEndSeconds, fileBytes, endToEndPeak);
    out(machine());
    out(
      `ratio: end to end runs at ${((100 * baselineSeconds) / endToEndSeconds).toFixed(0)}% of the ` +
        `parse+validate+encode rate (${ratio(endToEndSeconds, baselineSeconds)}x its time)`,
    );
  } finally {
    await stack.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
