import type { TopicConfig } from './log-store.js';

/** Kafka's defaults for the topic configs this broker implements (KAFKA-PROTOCOL.md §7). */
export const TOPIC_CONFIG_DEFAULTS: TopicConfig = {
  'cleanup.policy': 'delete',
  'retention.ms': 604_800_000,
  'retention.bytes': -1,
  'segment.bytes': 1_073_741_824,
  'segment.ms': 604_800_000,
  'delete.retention.ms': 86_400_000,
  'min.cleanable.dirty.ratio': 0.5,
  'min.compaction.lag.ms': 0,
  'max.message.bytes': 1_048_588,
  'message.timestamp.type': 'CreateTime',
  'compression.type': 'producer',
};

export const TOPIC_CONFIG_NAMES = Object.keys(TOPIC_CONFIG_DEFAULTS) as (keyof TopicConfig)[];

const CLEANUP_POLICIES = new Set(['delete', 'compact', 'compact,delete', 'delete,compact']);
const COMPRESSION_TYPES = new Set(['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd']);

function integer(min: number): (v: string) => number | null {
  return (v) =>
    /^-?\d+$/.test(v.trim()) && Number(v) >= min && Number.isSafeInteger(Number(v)) ? Number(v) : null;
}

const PARSERS: { [K in keyof TopicConfig]: (v: string) => TopicConfig[K] | null } = {
  'cleanup.policy': (v) => {
    const normalized = v.replace(/\s+/g, '');
    return CLEANUP_POLICIES.has(normalized) ? normalized : null;
  },
  'retention.ms': integer(-1),
  'retention.bytes': integer(-1),
  'segment.bytes': integer(14),
  'segment.ms': integer(1),
  'delete.retention.ms': integer(0),
  'min.cleanable.dirty.ratio': (v) => {
    const n = Number(v);
    return v.trim() !== '' && n >= 0 && n <= 1 ? n : null;
  },
  'min.compaction.lag.ms': integer(0),
  'max.message.bytes': integer(0),
  'message.timestamp.type': (v) => (v === 'CreateTime' || v === 'LogAppendTime' ? v : null),
  'compression.type': (v) => (COMPRESSION_TYPES.has(v) ? v : null),
};

export type ParsedConfigs = { ok: true; overrides: Partial<TopicConfig> } | { ok: false; message: string };

/**
 * Validates name/value pairs from CreateTopics or AlterConfigs into typed overrides. A null
 * value means "back to the default" (no override).
 */
export function parseTopicConfigs(configs: { name: string; value: string | null }[]): ParsedConfigs {
  const overrides: Record<string, unknown> = {};
  for (const { name, value } of configs) {
    if (!(name in PARSERS)) return { ok: false, message: `Unknown topic config name: ${name}` };
    if (value === null) continue;
    const parsed = PARSERS[name as keyof TopicConfig](value);
    if (parsed === null) return { ok: false, message: `Invalid value ${value} for configuration ${name}` };
    overrides[name] = parsed;
  }
  return { ok: true, overrides: overrides as Partial<TopicConfig> };
}

/** A config value as Kafka prints it. */
export function formatConfigValue(value: string | number): string {
  return String(value);
}
