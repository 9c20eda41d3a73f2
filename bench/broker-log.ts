/**
 * PartitionLog append and read throughput against the disk's own pace: the same batch bytes
 * appended with fs.appendFileSync (and read back with fs.readSync) in the same process.
 *
 *   npm run bench:broker-log [-- --batches 400 --records 1000 --value-bytes 100]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../lib/logger.js';
import { type FlushPolicy, PartitionLog, effectiveTopicConfig } from '../embedded/kafka/log/index.js';
import { type KafkaRecord, encodeBatch, splitBatches } from '../embedded/kafka/records/index.js';
import { benchOptions } from './support/options.js';
import { machine, ratio } from './support/report.js';
import { stopwatch } from './support/timing.js';

const {
  batches: BATCHES,
  records: RECORDS,
  'value-bytes': VALUE_BYTES,
} = benchOptions({ batches: 400, records: 1000, 'value-bytes': 100 });

function makeBatches(): Buffer[] {
  const value = Buffer.alloc(VALUE_BYTES, 'v');
  return Array.from({ length: BATCHES }, (_, b) => {
    const records: KafkaRecord[] = Array.from({ length: RECORDS }, (_, i) => ({
      offsetDelta: i,
      timestampDelta: 0,
      attributes: 0,
      key: Buffer.from(`user-${(b * RECORDS + i) % 10_000}`),
      value,
      headers: [],
    }));
    return encodeBatch({
      baseOffset: 0,
      attributes: 0,
      lastOffsetDelta: RECORDS - 1,
      baseTimestamp: Date.now(),
      maxTimestamp: Date.now(),
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      partitionLeaderEpoch: -1,
      records,
    });
  });
}

interface Figure {
  name: string;
  seconds: number;
  bytes: number;
}

function time(name: string, bytes: number, run: () => void): Figure {
  const elapsed = stopwatch();
  run();
  return { name, seconds: elapsed(), bytes };
}

function openLog(dir: string, flush: FlushPolicy): PartitionLog {
  const config = effectiveTopicConfig({ 'segment.bytes': 64 * 1024 * 1024 });
  return PartitionLog.open({
    dir,
    topic: 'bench',
    partition: 0,
    config: () => config,
    flush,
    logger: silentLogger,
    now: Date.now,
  });
}

const batches = makeBatches();
const totalBytes = batches.reduce((sum, b) => sum + b.length, 0);
const totalRecords = BATCHES * RECORDS;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-broker-log-'));
const figures: Figure[] = [];

try {
  const baselineFile = path.join(root, 'baseline.log');
  figures.push(
    time('fs.appendFileSync (no fsync)', totalBytes, () => {
      for (const batch of batches) fs.appendFileSync(baselineFile, batch);
    }),
  );
  figures.push(
    time('fs.appendFileSync + fsync each', totalBytes, () => {
      const fd = fs.openSync(path.join(root, 'baseline-sync.log'), 'a');
      for (const batch of batches) {
        fs.appendFileSync(fd, batch);
        fs.fdatasyncSync(fd);
      }
      fs.closeSync(fd);
    }),
  );

  const policies: [string, FlushPolicy][] = [
    ['never', { mode: 'never' }],
    ['interval', { mode: 'interval', ms: 1000 }],
    ['always', { mode: 'always' }],
  ];
  let readLog: PartitionLog | null = null;
  for (const [name, flush] of policies) {
    const log = openLog(path.join(root, name), flush);
    figures.push(
      time(`PartitionLog.append (flush ${name})`, totalBytes, () => {
        for (const batch of batches) {
          const result = log.append(batch, Date.now());
          if (result.errorCode !== 0) throw new Error(`append failed with ${result.errorCode}`);
        }
        // The interval policy fsyncs from a timer; charge one flush to the run.
        if (name === 'interval') log.flush();
      }),
    );
    if (name === 'never') readLog = log;
    else log.close();
  }

  if (readLog) {
    const log = readLog;
    let readBytes = 0;
    figures.push(
      time('PartitionLog.read (1 MiB fetches)', totalBytes, () => {
        let offset = 0;
        while (offset < log.logEndOffset) {
          const blob = log.read(offset, 1024 * 1024, true);
          readBytes += blob.length;
          const parts = splitBatches(blob);
          const last = parts[parts.length - 1] as Buffer;
          offset = Number(last.readBigInt64BE(0)) + last.readInt32BE(23) + 1;
        }
      }),
    );
    if (readBytes !== totalBytes) throw new Error(`read ${readBytes} bytes, wrote ${totalBytes}`);
    log.close();
  }
  figures.push(
    time('fs.readSync (1 MiB chunks)', totalBytes, () => {
      const fd = fs.openSync(baselineFile, 'r');
      const buf = Buffer.allocUnsafe(1024 * 1024);
      let position = 0;
      for (
        let n = fs.readSync(fd, buf, 0, buf.length, position);
        n > 0;
        n = fs.readSync(fd, buf, 0, buf.length, position)
      ) {
        position += n;
      }
      fs.closeSync(fd);
    }),
  );
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}

console.log(
  `PartitionLog vs fs, ${BATCHES} batches x ${RECORDS} records of ${VALUE_BYTES}-byte values ` +
    `(${(totalBytes / 1e6).toFixed(1)} MB), ${machine()}`,
);
const baseline = new Map(figures.map((f) => [f.name, f.seconds]));
const rows = figures.map((f) => {
  const against = f.name.includes('read')
    ? baseline.get('fs.readSync (1 MiB chunks)')
    : f.name.includes('always')
      ? baseline.get('fs.appendFileSync + fsync each')
      : baseline.get('fs.appendFileSync (no fsync)');
  return {
    what: f.name,
    'records/s': Math.round(totalRecords / f.seconds).toLocaleString('en-US'),
    'MB/s': (f.bytes / 1e6 / f.seconds).toFixed(1),
    'vs fs': against ? `${ratio(against, f.seconds)}x` : '',
  };
});
console.table(rows);
