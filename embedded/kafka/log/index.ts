export { KafkaErrorCode, LogError } from './error-codes.js';
export {
  DEFAULT_TOPIC_CONFIG,
  TOPIC_CONFIG_NAMES,
  type ConfigParseResult,
  type TopicConfig,
  type TopicConfigName,
  describeTopicConfig,
  effectiveTopicConfig,
  hasCleanupPolicy,
  isTopicConfigName,
  parseTopicConfigs,
  validateTopicOverrides,
} from './topic-config.js';
export {
  type AppendResult,
  type CompactionResult,
  type FlushPolicy,
  PartitionLog,
  type PartitionLogOptions,
} from './partition-log.js';
export { type AppendListener, LogManager, type LogManagerOptions, isValidTopicName } from './log-manager.js';
