import { execFile } from 'node:child_process';
import {
  cp,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  unlink,
  writeFile,
  appendFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startBroker, type RunningBroker } from '../../embedded/kafka/index.js';
import { silentLogger } from '../../lib/logger.js';
import { readRawTopic, endOffsets } from './raw-topic.js';
import { recordResult } from './results.js';
import { spawnBroker } from '../harness/processes.js';
import { mountSmallDisk, type SmallDisk } from './small-disk.js';

/**
 * Disk faults under the embedded broker, each on a copy of a data directory written by the broker
 * itself: a torn last record batch (cut at a random byte, random garbage appended) after a crash,
 * index files truncated to random lengths or missing after a clean shutdown, and a disk that fills
 * up while producers write.
 */

const run = promisify(execFile);

const kafkaAt = (brokers: string) =>
  new Kafka({
    brokers: [brokers],
    clientId: 'reliability-disk',
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });

async function start(
  dataDir: string,
  extra: Partial<Parameters<typeof startBroker>[0]> = {},
): Promise<RunningBroker> {
  return startBroker({ port: 0, dataDir, logger: silentLogger, flush: { mode: 'always' }, ...extra });
}

/** Byte positions of the record batches of a segment file (v2 batches: offset i64, length i32, ...). */
function batchStarts(segment: Buffer): number[] {
  const starts: number[] = [];
  for (let at = 0; at + 12 <= segment.length; at += 12 + segment.readInt32BE(at + 8)) starts.push(at);
  return starts;
}

async function lastSegment(partitionDir: string): Promise<string> {
  const logs = (await readdir(partitionDir)).filter((f) => f.endsWith('.log')).sort();
  return path.join(partitionDir, logs[logs.length - 1]!);
}

describe('broker disk faults', () => {
  const dirs: string[] = [];
  const tempDir = async (prefix: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  describe('a torn last record batch after a crash', () => {
    const PARTITIONS = 3;
    const BATCHES = 12;
    const PER_BATCH = 5;
    let baseDir: string;
    const acked = new Map<number, string[]>();

    beforeAll(async () => {
      baseDir = await tempDir('reliability-torn-base-');
      const broker = await start(baseDir);
      const kafka = kafkaAt(broker.brokers);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'torn', numPartitions: PARTITIONS }] });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      for (let b = 0; b < BATCHES; b++) {
        for (let p = 0; p < PARTITIONS; p++) {
          const values = Array.from({ length: PER_BATCH }, (_, m) => `p${p}-b${b}-m${m}`);
          const [res] = await producer.send({
            topic: 'torn',
            acks: -1,
            messages: values.map((value) => ({ value, partition: p })),
          });
          expect(Number(res!.baseOffset)).toBe(b * PER_BATCH);
          acked.set(p, [...(acked.get(p) ?? []), ...values]);
        }
      }
      await producer.disconnect();
      await broker.close();
    });

    it('recovers every whole batch, drops the torn one, appends after it, and recovers the same way twice', async () => {
      const outcomes: string[] = [];
      let truncatedRuns = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: PARTITIONS - 1 }),
          fc.constantFrom('cut', 'garbage', 'cut+garbage'),
          fc.double({ min: 0.01, max: 0.99, noNaN: true }),
          fc.uint8Array({ minLength: 1, maxLength: 300 }),
          async (partition, mode, cutAt, garbage) => {
            const dataDir = await tempDir('reliability-torn-');
            await cp(baseDir, dataDir, { recursive: true });
            const partitionDir = path.join(dataDir, 'topics', 'torn', String(partition));
            const segmentFile = await lastSegment(partitionDir);
            const bytes = await readFile(segmentFile);
            const starts = batchStarts(bytes);
            const last = starts[starts.length - 1]!;
            if (mode !== 'garbage')
              await truncate(segmentFile, last + Math.floor((bytes.length - last) * cutAt));
            if (mode !== 'cut') await appendFile(segmentFile, Buffer.from(garbage));
            // A crash leaves no clean-shutdown marker: every unflushed segment is checked.
            await rm(path.join(partitionDir, '.clean-shutdown'), { force: true });

            const total = BATCHES * PER_BATCH;
            const expectedEnd = mode === 'garbage' ? total : total - PER_BATCH;
            let broker = await start(dataDir);
            try {
              const kafka = kafkaAt(broker.brokers);
              const ends = await endOffsets(kafka, 'torn');
              for (let p = 0; p < PARTITIONS; p++)
                expect(ends.get(p)).toBe(p === partition ? expectedEnd : total);
              const records = await readRawTopic(kafka, 'torn');
              for (let p = 0; p < PARTITIONS; p++) {
                const got = records.filter((r) => r.partition === p);
                const want = acked.get(p)!.slice(0, p === partition ? expectedEnd : total);
                expect(got.map((r) => r.offset)).toEqual(want.map((_, i) => i));
                expect(got.map((r) => r.value?.toString())).toEqual(want);
              }
              const producer = kafka.producer();
              await producer.connect();
              const [res] = await producer.send({
                topic: 'torn',
                acks: -1,
                messages: [{ value: 'after-recovery', partition }],
              });
              await producer.disconnect();
              expect(Number(res!.baseOffset)).toBe(expectedEnd);
              await broker.close();
              // Opened again (cleanly closed this time): the same log, nothing lost or repeated.
              broker = await start(dataDir);
              expect((await endOffsets(kafkaAt(broker.brokers), 'torn')).get(partition)).toBe(
                expectedEnd + 1,
              );
            } finally {
              await broker.close();
              await rm(dataDir, { recursive: true, force: true });
            }
            if (mode !== 'garbage') truncatedRuns++;
            outcomes.push(mode);
          },
        ),
        { numRuns: 8 },
      );
      recordResult({
        id: 'disk-torn-last-batch',
        group: 'disk',
        fault: 'Torn last record batch after a crash',
        injection:
          'Broker data dir (3 partitions, 12 acknowledged batches each) copied; the last segment of a random partition cut at a random byte of its last batch and/or random garbage (1–300 bytes) appended; clean-shutdown marker removed (fast-check)',
        mustHold:
          'Broker starts; every whole batch of every partition readable at its offset; only the torn batch (never acknowledged in a real crash) is gone; the next produce gets the next offset; a second start recovers the same log',
        result: `${outcomes.length} runs (${truncatedRuns} cut, ${outcomes.length - truncatedRuns} garbage only): all recovered as required`,
        figures: { runs: outcomes.length, cutRuns: truncatedRuns },
      });
    });
  });

  describe('truncated and missing index files after a clean shutdown', () => {
    const RECORDS = 3000;
    const PER_SEND = 40;
    const T0 = Date.UTC(2024, 0, 1);
    let baseDir: string;
    let segments: string[] = [];

    beforeAll(async () => {
      baseDir = await tempDir('reliability-index-base-');
      const broker = await start(baseDir, { flush: { mode: 'interval', ms: 1000 } });
      const kafka = kafkaAt(broker.brokers);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        topics: [
          { topic: 'indexed', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '65536' }] },
        ],
      });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      for (let i = 0; i < RECORDS; i += PER_SEND) {
        await producer.send({
          topic: 'indexed',
          acks: -1,
          messages: Array.from({ length: PER_SEND }, (_, k) => ({
            value: `value-${i + k}-${'x'.repeat(80)}`,
            timestamp: String(T0 + (i + k) * 1000),
          })),
        });
      }
      await producer.disconnect();
      await broker.close();
      segments = (await readdir(path.join(baseDir, 'topics', 'indexed', '0')))
        .filter((f) => f.endsWith('.log'))
        .map((f) => f.slice(0, -4))
        .sort();
      expect(segments.length).toBeGreaterThan(3);
    });

    it('rebuilds or trims the indexes: reads at any offset and time lookups stay exact', async () => {
      let runs = 0;
      let lookups = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              segment: fc.nat(),
              file: fc.constantFrom('.index', '.timeindex'),
              damage: fc.oneof(fc.constant<'delete'>('delete'), fc.double({ min: 0, max: 1, noNaN: true })),
            }),
            { minLength: 1, maxLength: 4 },
          ),
          fc.array(fc.nat({ max: RECORDS - 1 }), { minLength: 3, maxLength: 3 }),
          async (damages, probes) => {
            const dataDir = await tempDir('reliability-index-');
            await cp(baseDir, dataDir, { recursive: true });
            const partitionDir = path.join(dataDir, 'topics', 'indexed', '0');
            for (const d of damages) {
              const file = path.join(partitionDir, `${segments[d.segment % segments.length]}${d.file}`);
              if (d.damage === 'delete') await unlink(file).catch(() => undefined);
              else {
                const size = (await stat(file).catch(() => null))?.size ?? 0;
                await truncate(file, Math.floor(size * d.damage)).catch(() => undefined);
              }
            }
            const broker = await start(dataDir);
            try {
              const kafka = kafkaAt(broker.brokers);
              expect((await endOffsets(kafka, 'indexed')).get(0)).toBe(RECORDS);
              for (const offset of probes) {
                // librdkafka fetching from exactly this offset: the index decides where reading starts.
                const { stdout } = await run('kcat', [
                  ...['-b', broker.brokers, '-C', '-t', 'indexed', '-p', '0', '-o', String(offset)],
                  ...['-c', '1', '-e', '-q', '-f', '%o|%s\n'],
                ]);
                expect(stdout.trim()).toBe(`${offset}|value-${offset}-${'x'.repeat(80)}`);
                const admin = kafka.admin();
                await admin.connect();
                const [byTime] = await admin.fetchTopicOffsetsByTimestamp(
                  'indexed',
                  T0 + offset * 1000 - 500,
                );
                await admin.disconnect();
                expect(Number(byTime!.offset)).toBe(offset);
                lookups += 2;
              }
              const all = await readRawTopic(kafka, 'indexed');
              expect(all.length).toBe(RECORDS);
              expect(
                all.every((r, i) => r.offset === i && r.value!.toString().startsWith(`value-${i}-`)),
              ).toBe(true);
            } finally {
              await broker.close();
              await rm(dataDir, { recursive: true, force: true });
            }
            runs++;
          },
        ),
        { numRuns: 8 },
      );
      recordResult({
        id: 'disk-truncated-index',
        group: 'disk',
        fault: 'Truncated or missing offset and time index files',
        injection: `Data dir of a ${segments.length}-segment partition (${RECORDS} records) after a clean shutdown; 1–4 random .index/.timeindex files truncated to a random length (0 to whole) or deleted (fast-check)`,
        mustHold:
          'Broker starts; log end offset unchanged; a fetch at any offset (kcat) returns exactly that record; a time lookup returns the first offset at or after the time; a full read returns every record in order',
        result: `${runs} runs, ${lookups} offset and time lookups: all exact, every record read back`,
        figures: { runs, lookups, segments: segments.length, records: RECORDS },
      });
    });
  });

  describe('a full disk', () => {
    let disk: SmallDisk | undefined;

    afterAll(async () => {
      await disk?.release();
    });

    it('refuses writes with KAFKA_STORAGE_ERROR and a log line naming the OS error, keeps serving reads, loses nothing, and takes writes again once space is freed', async () => {
      const SIZE = 6 * 1024 * 1024;
      disk = await mountSmallDisk(await tempDir('reliability-full-'), SIZE);
      const dataDir = path.join(disk.dir, 'kafka');
      // Ballast that is deleted later to free space (tmpfs); a file-size limit is lifted instead.
      const ballast = path.join(disk.dir, 'ballast');
      if (disk.kind === 'tmpfs') await writeFile(ballast, Buffer.alloc(1024 * 1024));
      let broker = await spawnBroker(dataDir, ['--flush', 'always'], {
        fileSizeLimit: disk.kind === 'tmpfs' ? undefined : SIZE,
      });
      onTestFinished(() => broker.stop());
      const kafka = kafkaAt(broker.brokers);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'filling', numPartitions: 2 }] });
      await admin.disconnect();
      const producer = kafka.producer({ retry: { retries: 0 } });
      await producer.connect();
      const acked = new Map<string, string>();
      // Values of refused sends: a send to two partitions is refused as a whole when one of them
      // fails, though the other partition may have stored its records.
      const unacknowledged = new Set<string>();
      const value = (n: number) => `${n}:${'v'.repeat(8 * 1024)}`;
      let n = 0;
      const refusals: string[] = [];
      while (refusals.length < 5) {
        const batch = Array.from({ length: 16 }, () => value(n++));
        try {
          const results = await producer.send({
            topic: 'filling',
            acks: -1,
            messages: batch.map((v, i) => ({ value: v, partition: i % 2 })),
          });
          for (const r of results) {
            const mine = batch.filter((_, i) => i % 2 === r.partition);
            mine.forEach((v, i) => acked.set(`${r.partition}/${Number(r.baseOffset) + i}`, v));
          }
          expect(refusals).toEqual([]);
        } catch (err) {
          if (!(err instanceof Error) || err.name === 'AssertionError') throw err;
          refusals.push(describeError(err));
          for (const v of batch) unacknowledged.add(v);
        }
        if (n > 100_000) throw new Error('the disk never filled up');
      }
      expect(refusals.filter((r) => !/KAFKA_STORAGE_ERROR|storage/i.test(r))).toEqual([]);
      const osError = broker.lines.find((l) => /ENOSPC|EFBIG/.test(l));
      expect(osError).toBeDefined();

      // Reads keep working while writes are refused, and every acknowledged record is there.
      const readWhileFull = await readRawTopic(kafka, 'filling');
      const stored = new Map(readWhileFull.map((r) => [`${r.partition}/${r.offset}`, r.value!.toString()]));
      for (const [at, v] of acked) expect(stored.get(at)).toBe(v);
      const extra = [...stored].filter(([at]) => !acked.has(at));
      expect(extra.filter(([, v]) => !unacknowledged.has(v))).toEqual([]);
      await producer.disconnect();

      // Stopped on the full disk and started again on it: it starts, and serves what it has.
      await broker.stop();
      broker = await spawnBroker(dataDir, ['--flush', 'always'], {
        fileSizeLimit: disk.kind === 'tmpfs' ? undefined : SIZE,
      });
      const kafkaFull = kafkaAt(broker.brokers);
      const readAfterRestart = await readRawTopic(kafkaFull, 'filling');
      expect(readAfterRestart.map((r) => `${r.partition}/${r.offset}=${r.value!.toString()}`)).toEqual(
        readWhileFull.map((r) => `${r.partition}/${r.offset}=${r.value!.toString()}`),
      );

      // Space freed while it runs: writes are taken again without a restart, at the next offsets.
      if (disk.kind === 'tmpfs') await unlink(ballast);
      else await run('prlimit', ['--pid', String(broker.child.pid), '--fsize=unlimited']);
      const freedAt = performance.now();
      const endsWhenFreed = await endOffsets(kafkaFull, 'filling');
      const resumed = kafkaFull.producer({ retry: { retries: 0 } });
      await resumed.connect();
      const resumedResults = await resumed.send({
        topic: 'filling',
        acks: -1,
        messages: [
          { value: 'freed-0', partition: 0 },
          { value: 'freed-1', partition: 1 },
        ],
      });
      const resumedMs = Math.round(performance.now() - freedAt);
      await resumed.disconnect();
      for (const r of resumedResults) {
        expect(Number(r.baseOffset)).toBe(endsWhenFreed.get(r.partition));
        stored.set(`${r.partition}/${r.baseOffset}`, `freed-${r.partition}`);
      }

      // Stopped and started once more: nothing corrupted, nothing lost, writes at the next offset.
      await broker.stop();
      const restartedAt = performance.now();
      broker = await spawnBroker(dataDir, ['--flush', 'always']);
      try {
        const kafka2 = kafkaAt(broker.brokers);
        const after = await readRawTopic(kafka2, 'filling');
        expect(after.length).toBe(stored.size);
        for (const r of after) expect(r.value!.toString()).toBe(stored.get(`${r.partition}/${r.offset}`));
        const producer2 = kafka2.producer();
        await producer2.connect();
        const ends = await endOffsets(kafka2, 'filling');
        const [res] = await producer2.send({
          topic: 'filling',
          acks: -1,
          messages: [{ value: 'after', partition: 0 }],
        });
        expect(Number(res!.baseOffset)).toBe(ends.get(0));
        const restartMs = Math.round(performance.now() - restartedAt);
        await producer2.disconnect();
        const error = /ENOSPC/.test(osError!) ? 'ENOSPC' : 'EFBIG';
        recordResult({
          id: 'disk-full',
          group: 'disk',
          fault: 'Disk full while producing',
          injection:
            disk.kind === 'tmpfs'
              ? 'Broker process (fsync per produce) with its data dir on a 6 MiB tmpfs, filled by 8 KiB records on 2 partitions (acks=all, no retries); stopped and started on the full disk; 1 MiB ballast deleted while it runs; stopped and started again'
              : 'Broker process (fsync per produce) under RLIMIT_FSIZE of 6 MiB (prlimit; no root for a tmpfs), filled by 8 KiB records; stopped and started under the limit; limit lifted while it runs (prlimit --pid); stopped and started again',
          mustHold:
            'Produce refused with KAFKA_STORAGE_ERROR and a log line naming the OS error; reads keep working; the broker stops and starts on the full disk with every record intact; once space is freed it takes writes again without a restart, at the next offsets; after another restart every acknowledged record is intact and writes go on at the next offset',
          result: `${acked.size} records acknowledged (${(acked.size * 8) / 1024} MiB) before writes were refused; ${refusals.length} produces refused with KAFKA_STORAGE_ERROR, ${error} in the broker log; restarted on the full disk with all ${readWhileFull.length} records (${extra.length} of them from a send refused for its other partition); writes taken again ${resumedMs} ms after space was freed, no restart; all ${stored.size} records intact after a further restart, writing again ${restartMs} ms after it`,
          figures: {
            acked: acked.size,
            stored: stored.size,
            refusals: refusals.length,
            resumedMs,
            restartMs,
            injection: disk.kind,
            error,
          },
        });
      } finally {
        await broker.stop();
      }
    });
  });
});

function describeError(err: Error): string {
  const parts: string[] = [];
  let e: unknown = err;
  while (e instanceof Error && parts.length < 5) {
    const type = (e as { type?: string }).type;
    parts.push(type ? `${type}: ${e.message}` : e.message);
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return parts.join(' <- ');
}
