import { ApiKey } from '../protocol/api-keys.js';
import {
  ConfigSource,
  type DescribeConfigsResourceResult,
  type DescribeConfigsResult,
} from '../protocol/describe-configs/response.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { BrokerState } from './broker-state.js';
import { defineHandler } from './handler.js';
import { DEFAULT_TOPIC_CONFIG, parseTopicConfigs, TOPIC_CONFIG_NAMES } from '../log/index.js';

export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

function entry(
  name: string,
  value: string | null,
  source: number,
  includeSynonyms: boolean,
  readOnly = false,
): DescribeConfigsResourceResult {
  return {
    name,
    value,
    readOnly,
    isDefault: source === ConfigSource.DEFAULT_CONFIG,
    configSource: source,
    isSensitive: false,
    synonyms: includeSynonyms ? [{ name, value, source }] : [],
  };
}

function topicConfigs(
  broker: BrokerState,
  topic: string,
  includeSynonyms: boolean,
): DescribeConfigsResourceResult[] {
  const effective = broker.logs.topicConfig(topic);
  const overrides = broker.logs.topicOverrides(topic);
  return TOPIC_CONFIG_NAMES.map((name) => {
    const overridden = overrides[name] !== undefined;
    const e = entry(
      name,
      String(effective[name]),
      overridden ? ConfigSource.TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG,
      includeSynonyms,
    );
    if (includeSynonyms && overridden)
      e.synonyms.push({
        name,
        value: String(DEFAULT_TOPIC_CONFIG[name]),
        source: ConfigSource.DEFAULT_CONFIG,
      });
    return e;
  });
}

function brokerConfigs(broker: BrokerState, includeSynonyms: boolean): DescribeConfigsResourceResult[] {
  const fixed = (name: string, value: string) =>
    entry(name, value, ConfigSource.STATIC_BROKER_CONFIG, includeSynonyms, true);
  const byDefault = (name: string, value: string) =>
    entry(name, value, ConfigSource.DEFAULT_CONFIG, includeSynonyms, true);
  return [
    fixed('broker.id', String(broker.node.nodeId)),
    fixed('advertised.listeners', `PLAINTEXT://${broker.node.host}:${broker.node.port}`),
    fixed('auto.create.topics.enable', String(broker.autoCreateTopics)),
    fixed('num.partitions', String(broker.defaultPartitions)),
    byDefault('default.replication.factor', '1'),
    byDefault('offsets.topic.replication.factor', '1'),
    byDefault('log.cleanup.policy', DEFAULT_TOPIC_CONFIG['cleanup.policy']),
    byDefault('log.retention.ms', String(DEFAULT_TOPIC_CONFIG['retention.ms'])),
    byDefault('log.retention.bytes', String(DEFAULT_TOPIC_CONFIG['retention.bytes'])),
    byDefault('log.segment.bytes', String(DEFAULT_TOPIC_CONFIG['segment.bytes'])),
    byDefault('message.max.bytes', String(DEFAULT_TOPIC_CONFIG['max.message.bytes'])),
    byDefault('socket.request.max.bytes', '104857600'),
  ];
}

/**
 * DescribeConfigs v0–2 for TOPIC (source 1 = topic override, 5 = default; kafkajs derives
 * isDefault from 5), BROKER (name = node id, or "" for the cluster default) and BROKER_LOGGER.
 */
export const describeConfigs = defineHandler(ApiKey.DescribeConfigs, (req, _ctx, broker) => {
  const results = req.resources.map((r): DescribeConfigsResult => {
    const result = (
      errorCode: number,
      errorMessage: string | null,
      configs: DescribeConfigsResourceResult[] = [],
    ): DescribeConfigsResult => ({
      errorCode,
      errorMessage,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      configs:
        r.configurationKeys === null ? configs : configs.filter((c) => r.configurationKeys!.includes(c.name)),
    });
    switch (r.resourceType) {
      case ResourceType.TOPIC:
        if (!broker.logs.has(r.resourceName))
          return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${r.resourceName} does not exist`);
        return result(ErrorCode.NONE, null, topicConfigs(broker, r.resourceName, req.includeSynonyms));
      case ResourceType.BROKER:
        if (r.resourceName !== '' && r.resourceName !== String(broker.node.nodeId)) {
          return result(
            ErrorCode.INVALID_REQUEST,
            `Unexpected broker id, expected ${broker.node.nodeId} but received ${r.resourceName}`,
          );
        }
        return result(ErrorCode.NONE, null, brokerConfigs(broker, req.includeSynonyms));
      case ResourceType.BROKER_LOGGER:
        return result(ErrorCode.NONE, null);
      default:
        return result(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}`);
    }
  });
  return { throttleTimeMs: 0, results };
});

/** AlterConfigs v0–1: replaces a topic's overrides; broker configs are static here. */
export const alterConfigs = defineHandler(ApiKey.AlterConfigs, async (req, _ctx, broker) => {
  const responses = [];
  for (const r of req.resources) {
    const result = (errorCode: number, errorMessage: string | null) => ({
      errorCode,
      errorMessage,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
    });
    if (r.resourceType !== ResourceType.TOPIC) {
      responses.push(result(ErrorCode.INVALID_REQUEST, 'Only topic configs can be altered on this broker'));
      continue;
    }
    if (!broker.logs.has(r.resourceName)) {
      responses.push(result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${r.resourceName} does not exist`));
      continue;
    }
    const parsed = parseTopicConfigs(r.configs.map((c) => [c.name, c.value] as const));
    if (!parsed.ok) {
      responses.push(result(ErrorCode.INVALID_CONFIG, parsed.message));
      continue;
    }
    if (!req.validateOnly) {
      await broker.logs.alterTopicConfig(r.resourceName, parsed.overrides);
      broker.logger.info({ topic: r.resourceName, configs: parsed.overrides }, 'topic configs altered');
    }
    responses.push(result(ErrorCode.NONE, null));
  }
  return { throttleTimeMs: 0, responses };
});
