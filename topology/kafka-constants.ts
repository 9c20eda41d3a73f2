import type { ConfigResourceTypes, ConfigSource } from 'kafkajs';

/*
 * kafkajs declares these enums in its types but Node's ESM loader cannot see them as named
 * exports of the CommonJS module, so the values (Kafka's own protocol numbers) live here.
 */

/** DescribeConfigs/AlterConfigs resource type of a topic. */
export const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** DescribeConfigs config_source of a topic-level override. */
export const TOPIC_CONFIG_SOURCE = 1 as ConfigSource;
