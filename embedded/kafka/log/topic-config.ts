/** Topic-level configs the broker accepts (KAFKA-PROTOCOL.md §7), with Kafka's defaults. */
export interface TopicConfig {
  'cleanup.policy': string;
  'retention.ms': number;
  'retention.bytes': number;
  'segment.bytes': number;
  'segment.ms': number;
  'delete.retention.ms': number;
  'min.cleanable.dirty.ratio': number;
  'min.compaction.lag.ms': number;
  'max.message.bytes': number;
  'message.timestamp.type': 'CreateTime' | 'LogAppendTime';
  'compression.type': string;
}

export type TopicConfigName = keyof TopicConfig;

export const DEFAULT_TOPIC_CONFIG: Readonly<TopicConfig> = Object.freeze({
  'cleanup.policy': 'delete',
  'retention.ms': 604800000,
  'retention.bytes': -1,
  'segment.bytes': 1073741824,
  'segment.ms': 604800000,
  'delete.retention.ms': 86400000,
  'min.cleanable.dirty.ratio': 0.5,
  'min.compaction.lag.ms': 0,
  'max.message.bytes': 1048588,
  'message.timestamp.type': 'CreateTime',
  'compression.type': 'producer',
});

export const TOPIC_CONFIG_NAMES = Object.keys(DEFAULT_TOPIC_CONFIG) as TopicConfigName[];

const INT32_MAX = 2147483647;

interface NumberRule {
  kind: 'int' | 'double';
  min: number;
  max: number;
}

const NUMBER_RULES: Partial<Record<TopicConfigName, NumberRule>> = {
  'retention.ms': { kind: 'int', min: -1, max: Number.MAX_SAFE_INTEGER },
  'retention.bytes': { kind: 'int', min: -1, max: Number.MAX_SAFE_INTEGER },
  // Kafka's own lower bound; tiny segments are what tests of rolling and compaction need.
  'segment.bytes': { kind: 'int', min: 14, max: INT32_MAX },
  'segment.ms': { kind: 'int', min: 1, max: Number.MAX_SAFE_INTEGER },
  'delete.retention.ms': { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER },
  'min.cleanable.dirty.ratio': { kind: 'double', min: 0, max: 1 },
  'min.compaction.lag.ms': { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER },
  'max.message.bytes': { kind: 'int', min: 0, max: INT32_MAX },
};

const CLEANUP_POLICIES = new Set(['delete', 'compact']);
const TIMESTAMP_TYPES = new Set(['CreateTime', 'LogAppendTime']);
const COMPRESSION_TYPES = new Set(['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd']);

export type ConfigParseResult =
  { ok: true; overrides: Partial<TopicConfig> } | { ok: false; errorCode: 40; message: string };

function invalid(message: string): ConfigParseResult {
  return { ok: false, errorCode: 40, message };
}

/**
 * Validates configs as they arrive on the wire (CreateTopics, AlterConfigs: name -> string
 * value). A null value means "no override". Unknown names and bad values answer INVALID_CONFIG
 * with a message saying which.
 */
export function parseTopicConfigs(entries: Iterable<readonly [string, string | null]>): ConfigParseResult {
  const overrides: Record<string, string | number> = {};
  for (const [name, raw] of entries) {
    if (!isTopicConfigName(name)) return invalid(`Unknown topic config name: ${name}`);
    if (raw === null) continue;
    const value = parseValue(name, raw.trim());
    if (typeof value === 'object') return value;
    overrides[name] = value;
  }
  return { ok: true, overrides: overrides as Partial<TopicConfig> };
}

/** Validates typed overrides (programmatic callers); the same rules as `parseTopicConfigs`. */
export function validateTopicOverrides(overrides: Partial<TopicConfig>): ConfigParseResult {
  return parseTopicConfigs(
    Object.entries(overrides).map(
      ([name, value]) => [name, value === undefined ? null : String(value)] as const,
    ),
  );
}

export function isTopicConfigName(name: string): name is TopicConfigName {
  return Object.prototype.hasOwnProperty.call(DEFAULT_TOPIC_CONFIG, name);
}

function parseValue(name: TopicConfigName, raw: string): string | number | ConfigParseResult {
  const rule = NUMBER_RULES[name];
  if (rule) {
    const value = Number(raw);
    const wellFormed =
      raw !== '' && Number.isFinite(value) && (rule.kind === 'double' || Number.isInteger(value));
    if (!wellFormed)
      return invalid(
        `Invalid value ${raw} for configuration ${name}: not a${rule.kind === 'int' ? 'n integer' : ' number'}`,
      );
    if (value < rule.min || value > rule.max) {
      return invalid(
        `Invalid value ${raw} for configuration ${name}: must be between ${rule.min} and ${rule.max}`,
      );
    }
    return value;
  }
  switch (name) {
    case 'cleanup.policy': {
      const policies = raw.split(',').map((p) => p.trim());
      if (policies.length === 0 || policies.some((p) => !CLEANUP_POLICIES.has(p))) {
        return invalid(
          `Invalid value ${raw} for configuration cleanup.policy: expected delete, compact or compact,delete`,
        );
      }
      return [...new Set(policies)].sort().join(',');
    }
    case 'message.timestamp.type':
      if (!TIMESTAMP_TYPES.has(raw))
        return invalid(
          `Invalid value ${raw} for configuration message.timestamp.type: expected CreateTime or LogAppendTime`,
        );
      return raw;
    case 'compression.type':
      if (!COMPRESSION_TYPES.has(raw))
        return invalid(
          `Invalid value ${raw} for configuration compression.type: expected one of ${[...COMPRESSION_TYPES].join(', ')}`,
        );
      return raw;
    default:
      return invalid(`Unknown topic config name: ${name}`);
  }
}

export function effectiveTopicConfig(overrides: Partial<TopicConfig>): TopicConfig {
  return { ...DEFAULT_TOPIC_CONFIG, ...overrides };
}

export function hasCleanupPolicy(config: TopicConfig, policy: 'delete' | 'compact'): boolean {
  return config['cleanup.policy'].split(',').includes(policy);
}

/** Config values as DescribeConfigs reports them (strings), with whether each is a default. */
export function describeTopicConfig(
  overrides: Partial<TopicConfig>,
): { name: TopicConfigName; value: string; isDefault: boolean }[] {
  const config = effectiveTopicConfig(overrides);
  return TOPIC_CONFIG_NAMES.map((name) => ({
    name,
    value: String(config[name]),
    isDefault: overrides[name] === undefined,
  }));
}
