import { ApiKey } from '../protocol/api-keys.js';
import type { CreatableTopic } from '../protocol/create-topics/request.js';
import type { CreatableTopicResult } from '../protocol/create-topics/response.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { BrokerState } from './broker-state.js';
import { defineHandler } from './handler.js';
import { isValidTopicName, parseTopicConfigs, type TopicConfig } from '../log/index.js';

type Plan =
  | { ok: true; partitions: number; overrides: Partial<TopicConfig> }
  | { ok: false; errorCode: number; message: string };

/** Checks one CreateTopics entry the way Kafka does, in Kafka's order of checks. */
function planTopic(t: CreatableTopic, broker: BrokerState): Plan {
  const fail = (errorCode: number, message: string): Plan => ({ ok: false, errorCode, message });
  if (!isValidTopicName(t.name))
    return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name "${t.name}" is illegal`);
  if (broker.logs.has(t.name))
    return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
  let partitions = t.numPartitions;
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      return fail(
        ErrorCode.INVALID_REQUEST,
        'Both numPartitions or replicationFactor and replicasAssignments were set.',
      );
    }
    const indexes = t.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
    const consecutive = indexes.every((p, i) => p === i);
    const onThisNode = t.assignments.every(
      (a) => a.brokerIds.length === 1 && a.brokerIds[0] === broker.node.nodeId,
    );
    if (!consecutive || !onThisNode)
      return fail(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'Replica assignment must place every partition on broker ' + broker.node.nodeId,
      );
    partitions = indexes.length;
  } else {
    if (partitions === -1) partitions = broker.defaultPartitions;
    if (partitions <= 0)
      return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        t.replicationFactor <= 0
          ? 'Replication factor must be larger than 0.'
          : `Replication factor: ${t.replicationFactor} larger than available brokers: 1.`,
      );
    }
  }
  const configs = parseTopicConfigs(t.configs.map((c) => [c.name, c.value] as const));
  if (!configs.ok) return fail(ErrorCode.INVALID_CONFIG, configs.message);
  return { ok: true, partitions, overrides: configs.overrides };
}

/** CreateTopics v0–4 with configs, validate_only, and Kafka's error codes (KAFKA-PROTOCOL.md §7). */
export const createTopics = defineHandler(ApiKey.CreateTopics, async (req, ctx, broker) => {
  const counts = new Map<string, number>();
  for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics: CreatableTopicResult[] = [];
  for (const t of req.topics) {
    const result = (errorCode: number, errorMessage: string | null): void =>
      void topics.push({ name: t.name, errorCode, errorMessage });
    if (counts.get(t.name)! > 1) {
      result(
        ErrorCode.INVALID_REQUEST,
        `Create topics request from client contains multiple entries for topic ${t.name}.`,
      );
      continue;
    }
    const plan = planTopic(t, broker);
    if (!plan.ok) {
      result(plan.errorCode, plan.message);
      continue;
    }
    if (!req.validateOnly) {
      try {
        await broker.logs.createTopic(t.name, plan.partitions, plan.overrides);
      } catch (err) {
        result(ErrorCode.INVALID_CONFIG, (err as Error).message);
        continue;
      }
      broker.logger.info(
        { topic: t.name, partitions: plan.partitions, configs: plan.overrides, clientId: ctx.clientId },
        'topic created',
      );
    }
    result(ErrorCode.NONE, null);
  }
  return { throttleTimeMs: 0, topics };
});

/** DeleteTopics v0–3: also drops the topic's committed group offsets. */
export const deleteTopics = defineHandler(ApiKey.DeleteTopics, async (req, ctx, broker) => {
  const responses = [];
  for (const name of req.topicNames) {
    if (!broker.logs.has(name)) {
      responses.push({ name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
      continue;
    }
    await broker.logs.deleteTopic(name);
    await broker.coordinator.deleteTopicOffsets(name);
    broker.logger.info({ topic: name, clientId: ctx.clientId }, 'topic deleted');
    responses.push({ name, errorCode: ErrorCode.NONE });
  }
  return { throttleTimeMs: 0, responses };
});

/** CreatePartitions v0–1: grows a topic (never shrinks it). */
export const createPartitions = defineHandler(ApiKey.CreatePartitions, async (req, _ctx, broker) => {
  const results = [];
  for (const t of req.topics) {
    const result = (errorCode: number, errorMessage: string | null) => ({
      name: t.name,
      errorCode,
      errorMessage,
    });
    if (!broker.logs.has(t.name)) {
      results.push(result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`));
      continue;
    }
    const current = broker.logs.partitionCount(t.name);
    if (t.count <= current) {
      results.push(
        result(
          ErrorCode.INVALID_PARTITIONS,
          `Topic currently has ${current} partitions, which is higher than or equal to the requested ${t.count}.`,
        ),
      );
      continue;
    }
    if (
      t.assignments !== null &&
      (t.assignments.length !== t.count - current ||
        t.assignments.some((a) => a.brokerIds.some((b) => b !== broker.node.nodeId)))
    ) {
      results.push(result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Invalid replica assignment.'));
      continue;
    }
    if (!req.validateOnly) {
      await broker.logs.createPartitions(t.name, t.count);
      broker.logger.info({ topic: t.name, partitions: t.count }, 'partitions created');
    }
    results.push(result(ErrorCode.NONE, null));
  }
  return { throttleTimeMs: 0, results };
});

/** DeleteRecords v0–1: moves log start offsets forward (-1 = up to the high watermark). */
export const deleteRecords = defineHandler(ApiKey.DeleteRecords, (req, _ctx, broker) => ({
  throttleTimeMs: 0,
  topics: req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      const log = broker.logs.partition(t.name, p.partitionIndex);
      if (!log)
        return {
          partitionIndex: p.partitionIndex,
          lowWatermark: -1,
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        };
      const offset = p.offset === -1 ? log.logEndOffset : p.offset;
      if (offset < 0 || offset > log.logEndOffset) {
        return {
          partitionIndex: p.partitionIndex,
          lowWatermark: -1,
          errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
        };
      }
      return {
        partitionIndex: p.partitionIndex,
        lowWatermark: log.deleteRecordsBefore(offset),
        errorCode: ErrorCode.NONE,
      };
    }),
  })),
}));
