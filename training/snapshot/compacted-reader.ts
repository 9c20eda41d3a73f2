import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../../lib/logger.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { RecordName, RecordTypes } from '../../schemas/types.js';
import type { EndOffsets } from './offsets.js';

/**
 * Reads compacted topics from the beginning up to recorded end offsets and keeps the latest value
 * per key, removing keys whose latest record is a tombstone: the state a table built from the
 * topic had at the moment the offsets were recorded. Records at or past an end offset are
 * ignored, so what was appended meanwhile is not part of the result.
 *
 * One consumer reads every topic, under a group of its own that never commits (the positions
 * live in this function only) and is deleted afterwards.
 */

export interface CompactedRead<N extends RecordName> {
  topic: string;
  record: N;
}

export interface ReadCompactedOptions {
  kafka: Kafka;
  serde: AvroSerde;
  logger: Logger;
  /** Fail when the end offsets are not reached within this long (default 10 min). */
  timeoutMs?: number;
  /** Group id prefix (the group itself is unique per read). */
  groupPrefix?: string;
}

export interface CompactedReadResult {
  /** topic -> key -> latest decoded value. */
  latest: Map<string, Map<string, RecordTypes[RecordName]>>;
  /** Records read below the end offsets (every topic; tombstones included). */
  records: number;
  tombstones: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function readCompactedUpTo(
  reads: readonly CompactedRead<RecordName>[],
  ends: EndOffsets,
  opts: ReadCompactedOptions,
): Promise<CompactedReadResult> {
  const latest = new Map<string, Map<string, RecordTypes[RecordName]>>();
  const recordOf = new Map<string, RecordName>();
  for (const r of reads) {
    latest.set(r.topic, new Map());
    recordOf.set(r.topic, r.record);
  }
  // Only partitions holding records below their end need reading.
  const remaining = new Map<string, number>();
  for (const r of reads) {
    for (const [partition, end] of ends.get(r.topic) ?? [])
      if (end > 0) remaining.set(`${r.topic}/${partition}`, end);
  }
  const result: CompactedReadResult = { latest, records: 0, tombstones: 0 };
  if (remaining.size === 0) return result;

  const topics = [...new Set([...remaining.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))))];
  const groupId = `${opts.groupPrefix ?? 'recostream-trainer-snapshot'}.${randomBytes(6).toString('hex')}`;
  const consumer = opts.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
  let failure: Error | null = null;
  try {
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const key = `${batch.topic}/${batch.partition}`;
        const end = ends.get(batch.topic)?.get(batch.partition) ?? 0;
        const table = latest.get(batch.topic)!;
        const record = recordOf.get(batch.topic)!;
        for (const m of batch.messages) {
          if (Number(m.offset) >= end) break;
          const id = m.key?.toString('utf8');
          if (id === undefined) continue;
          result.records++;
          if (m.value === null) {
            result.tombstones++;
            table.delete(id);
            continue;
          }
          try {
            table.set(id, await opts.serde.decode(record, m.value));
          } catch (err) {
            // Feature topics are written by recostream's own processors: an undecodable record
            // is a real fault, and a snapshot silently missing an entity would hide it.
            failure ??= new Error(
              `${batch.topic}/${batch.partition}@${m.offset}: cannot decode the ${record} record: ${(err as Error).message}`,
            );
          }
        }
        if (Number(batch.lastOffset()) + 1 >= end) remaining.delete(key);
      },
    });
    const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
    while (remaining.size > 0 && failure === null) {
      if (Date.now() > deadline) {
        throw new Error(
          `the snapshot did not reach the recorded end offsets of ${[...remaining.keys()].join(', ')} within ${
            opts.timeoutMs ?? 600_000
          } ms`,
        );
      }
      await sleep(20);
    }
    if (failure) throw failure;
    return result;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin = opts.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch((err: unknown) => opts.logger.debug({ err, groupId }, 'could not delete the snapshot group'))
      .finally(() => admin.disconnect().catch(() => undefined));
  }
}
