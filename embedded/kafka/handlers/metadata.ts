import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { requestedTopics } from '../protocol/metadata/request.js';
import type { MetadataTopic } from '../protocol/metadata/response.js';
import type { BrokerState } from './broker-state.js';
import { defineHandler } from './handler.js';
import { isValidTopicName } from '../log/index.js';

function describeTopic(broker: BrokerState, name: string): MetadataTopic {
  const nodeId = broker.node.nodeId;
  const partitions = Array.from({ length: broker.logs.partitionCount(name) }, (_, partitionIndex) => ({
    errorCode: ErrorCode.NONE,
    partitionIndex,
    leaderId: nodeId,
    replicaNodes: [nodeId],
    isrNodes: [nodeId],
    offlineReplicas: [],
  }));
  return { errorCode: ErrorCode.NONE, name, isInternal: false, partitions };
}

function missingTopic(name: string, errorCode: number): MetadataTopic {
  return { errorCode, name, isInternal: false, partitions: [] };
}

/**
 * Metadata v0–6. Unknown topics are auto-created when the broker allows it and the request does
 * (v0–3 always do, v4+ say so); the broker is also the controller, which kafkajs relies on to
 * send admin requests and InitProducerId.
 */
export const metadata = defineHandler(ApiKey.Metadata, async (req, ctx, broker) => {
  const wanted = requestedTopics(req, ctx.apiVersion);
  const topics: MetadataTopic[] = [];
  if (wanted === null) {
    for (const name of [...broker.logs.topics()].sort()) topics.push(describeTopic(broker, name));
  } else {
    const autoCreate = broker.autoCreateTopics && (ctx.apiVersion < 4 || req.allowAutoTopicCreation);
    for (const name of wanted) {
      if (broker.logs.has(name)) topics.push(describeTopic(broker, name));
      else if (!isValidTopicName(name)) topics.push(missingTopic(name, ErrorCode.INVALID_TOPIC_EXCEPTION));
      else if (!autoCreate) topics.push(missingTopic(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      else {
        await broker.logs.createTopic(name, broker.defaultPartitions, {});
        broker.logger.info(
          { topic: name, partitions: broker.defaultPartitions, clientId: ctx.clientId },
          'topic auto-created',
        );
        topics.push(describeTopic(broker, name));
      }
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: broker.node.nodeId, host: broker.node.host, port: broker.node.port, rack: null }],
    clusterId: broker.clusterId,
    controllerId: broker.node.nodeId,
    topics,
  };
});
