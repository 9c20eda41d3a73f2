import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { OffsetFetchTopicResponse } from '../protocol/offset-fetch/response.js';
import { defineHandler } from './handler.js';

/**
 * OffsetCommit v0–7. Partitions of unknown topics fail with UNKNOWN_TOPIC_OR_PARTITION here;
 * the rest go to the coordinator, which validates membership and generation.
 */
export const offsetCommit = defineHandler(ApiKey.OffsetCommit, async (req, _ctx, broker) => {
  const exists = (topic: string, partition: number): boolean =>
    broker.logs.partition(topic, partition) !== undefined;
  const offsets = req.topics.flatMap((t) =>
    t.partitions
      .filter((p) => exists(t.name, p.partitionIndex))
      .map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      })),
  );
  const results = await broker.coordinator.commitOffsets({
    groupId: req.groupId,
    generationId: req.generationId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId,
    offsets,
  });
  const errors = new Map(results.map((r) => [`${r.topic}\0${r.partition}`, r.errorCode]));
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: errors.get(`${t.name}\0${p.partitionIndex}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    })),
  };
});

/** OffsetFetch v1–5: no commit = offset -1 with no error; from v2 null topics = all of the group's. */
export const offsetFetch = defineHandler(ApiKey.OffsetFetch, (req, _ctx, broker) => {
  const wanted =
    req.topics === null ? null : req.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }));
  const byTopic = new Map<string, OffsetFetchTopicResponse>();
  for (const o of broker.coordinator.fetchOffsets(req.groupId, wanted)) {
    let topic = byTopic.get(o.topic);
    if (!topic) byTopic.set(o.topic, (topic = { name: o.topic, partitions: [] }));
    topic.partitions.push({
      partitionIndex: o.partition,
      committedOffset: o.offset,
      committedLeaderEpoch: o.leaderEpoch,
      metadata: o.metadata,
      errorCode: ErrorCode.NONE,
    });
  }
  return { throttleTimeMs: 0, topics: [...byTopic.values()], errorCode: ErrorCode.NONE };
});
