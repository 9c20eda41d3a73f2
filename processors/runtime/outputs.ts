import type { Producer, TopicMessages } from 'kafkajs';
import type { AvroSerde } from '../../schemas/serde.js';
import type { DeadLetter } from '../../schemas/types.js';
import type { EntityState } from '../../sinks/redis/feature-state.js';
import { TOPIC } from '../../topology/topics.js';
import type { EntitySpec, OutputMessage } from './entity-spec.js';
import type { BatchPlan } from './plan.js';
import { HEADER, type RejectedRecord } from './records.js';

/**
 * Everything a batch writes to Kafka, produced before its state transaction: dead letters,
 * repartitioned events (user processor) and one feature record per changed entity (coalesced).
 * A crash after this and before EXEC produces the same records again on retry; see
 * docs/ARCHITECTURE.md "Processors" for why every consumer absorbs that.
 */

export async function deadLetterMessages(
  serde: AvroSerde,
  source: string,
  topic: string,
  partition: number,
  rejected: readonly RejectedRecord[],
  now: number,
): Promise<OutputMessage[]> {
  const out: OutputMessage[] = [];
  for (const r of rejected) {
    const letter: DeadLetter = {
      source,
      reason: r.reason,
      field: r.field,
      raw: r.raw ?? Buffer.alloc(0),
      raw_key: r.rawKey,
      topic,
      partition,
      offset: r.offset,
      file: null,
      line: null,
      failed_at: now,
    };
    out.push({
      topic: TOPIC.deadLetters,
      key: source,
      value: await serde.encode(TOPIC.deadLetters, 'DeadLetter', letter),
    });
  }
  return out;
}

/** The applied events, unchanged, keyed by item_id, tagged with version and origin. */
export function repartitionMessages<S extends EntityState>(
  plan: BatchPlan<S>,
  version: string,
  originPartition: number,
): OutputMessage[] {
  return plan.applied.map((r) => ({
    topic: TOPIC.interactionsByItem,
    key: r.event.item_id,
    value: r.raw,
    headers: {
      [HEADER.version]: version,
      [HEADER.originPartition]: String(originPartition),
      [HEADER.originOffset]: String(r.offset),
    },
  }));
}

export async function featureMessages<S extends EntityState>(
  serde: AvroSerde,
  spec: EntitySpec<S>,
  version: string,
  plan: BatchPlan<S>,
  now: number,
): Promise<OutputMessage[]> {
  if (plan.clock === null) return [];
  const out: OutputMessage[] = [];
  for (const [id, entity] of plan.entities) {
    out.push(await spec.encodeFeatureRecord(serde, version, id, entity.state, plan.clock, now));
  }
  return out;
}

/** Bytes per produce request: below the common 1 MiB message.max.bytes with room for framing. */
const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * Produces in order with acks=all, in requests of bounded size. Requests are sent one after the
 * other, so records of one partition keep their order (the item processor relies on it for
 * repartitioned records of one origin partition).
 */
export async function produceAll(producer: Producer, messages: readonly OutputMessage[]): Promise<void> {
  let chunk: OutputMessage[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const byTopic = new Map<string, TopicMessages>();
    for (const m of chunk) {
      let t = byTopic.get(m.topic);
      if (!t) byTopic.set(m.topic, (t = { topic: m.topic, messages: [] }));
      t.messages.push({ key: m.key, value: m.value, headers: m.headers });
    }
    await producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    chunk = [];
    bytes = 0;
  };
  for (const m of messages) {
    const size = m.value.length + Buffer.byteLength(m.key) + 64;
    if (bytes + size > MAX_REQUEST_BYTES) await flush();
    chunk.push(m);
    bytes += size;
  }
  await flush();
}
