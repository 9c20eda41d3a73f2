import type { Admin } from 'kafkajs';
import type { TopicPartitionOffset } from '../../schemas/types.js';

/**
 * End offsets of topics at one moment: a run's snapshot is everything below them. Offsets are
 * exclusive ends (the next offset to be written), so records appended after they were recorded
 * are never part of the run, however long the run takes to read.
 */

/** topic -> partition -> end offset (exclusive). */
export type EndOffsets = Map<string, Map<number, number>>;

/** Records the end offsets of `topics` (a topic that does not exist is left out). */
export async function recordEndOffsets(admin: Admin, topics: readonly string[]): Promise<EndOffsets> {
  const existing = new Set(await admin.listTopics());
  const ends: EndOffsets = new Map();
  for (const topic of topics) {
    if (!existing.has(topic)) continue;
    const partitions = new Map<number, number>();
    for (const p of await admin.fetchTopicOffsets(topic)) partitions.set(p.partition, Number(p.high));
    ends.set(topic, partitions);
  }
  return ends;
}

/** The offsets as the TrainingRun record carries them, sorted by topic then partition. */
export function toRecordOffsets(ends: EndOffsets): TopicPartitionOffset[] {
  const out: TopicPartitionOffset[] = [];
  for (const [topic, partitions] of ends)
    for (const [partition, offset] of partitions) out.push({ topic, partition, offset });
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/** The inverse of `toRecordOffsets` (a run record's offsets as a lookup). */
export function fromRecordOffsets(offsets: readonly TopicPartitionOffset[]): EndOffsets {
  const ends: EndOffsets = new Map();
  for (const o of offsets) {
    let partitions = ends.get(o.topic);
    if (!partitions) ends.set(o.topic, (partitions = new Map()));
    partitions.set(o.partition, o.offset);
  }
  return ends;
}

/** Records below the end offsets of one topic (the sum over its partitions). */
export function recordsBelow(ends: EndOffsets, topic: string): number {
  let n = 0;
  for (const offset of ends.get(topic)?.values() ?? []) n += offset;
  return n;
}
