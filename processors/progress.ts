import type { Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import { keys, type ProcessorName } from '../sinks/redis/keys.js';
import { TOPIC } from '../topology/topics.js';

/**
 * How far a version's processors are behind their input, measured from what counts: the offsets
 * stored in Redis with the state (not the committed consumer offsets, which may trail them).
 */

export interface PartitionLag {
  processor: ProcessorName;
  topic: string;
  partition: number;
  /** End offset (high watermark) of the input partition. */
  end: number;
  /** Next offset to apply (last applied + 1; the log start when nothing was applied). */
  next: number;
  lag: number;
}

export interface PipelineLag {
  partitions: PartitionLag[];
  userLag: number;
  itemLag: number;
  total: number;
}

export const INPUT_TOPIC: Record<ProcessorName, string> = {
  'user-features': TOPIC.interactions,
  'item-features': TOPIC.interactionsByItem,
};

export async function processorLag(
  admin: Admin,
  redis: Redis,
  version: string,
  processor: ProcessorName,
): Promise<PartitionLag[]> {
  const topic = INPUT_TOPIC[processor];
  const ends = await admin.fetchTopicOffsets(topic);
  const stored = await redis.mget(ends.map((e) => keys.offset(version, processor, topic, e.partition)));
  return ends
    .map((e, i) => {
      const end = Number(e.high);
      const raw = stored[i];
      const next = raw === null || raw === undefined ? Number(e.low) : Number(raw) + 1;
      return { processor, topic, partition: e.partition, end, next, lag: Math.max(0, end - next) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Lag of both processors. The user side is read first: once it is 0, every repartitioned record
 * of it was produced before its state was written, so the item side's end offsets (read after)
 * include them, and a total of 0 means the version has applied every event.
 */
export async function pipelineLag(admin: Admin, redis: Redis, version: string): Promise<PipelineLag> {
  const user = await processorLag(admin, redis, version, 'user-features');
  const item = await processorLag(admin, redis, version, 'item-features');
  const userLag = user.reduce((s, p) => s + p.lag, 0);
  const itemLag = item.reduce((s, p) => s + p.lag, 0);
  return { partitions: [...user, ...item], userLag, itemLag, total: userLag + itemLag };
}
