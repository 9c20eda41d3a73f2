import type { Admin, Kafka } from 'kafkajs';
import { TOPIC_RESOURCE } from './kafka-constants.js';
import { valueSubject } from '../schemas/serde.js';
import { declaredTopics, SCHEMAS_TOPIC } from './topics.js';

export interface PartitionOffsets {
  partition: number;
  /** Log start offset. */
  low: number;
  /** High watermark: the offset the next record gets. */
  high: number;
}

export interface TopicState {
  name: string;
  declared: boolean;
  /** false: declared but not (yet) created. */
  exists: boolean;
  partitions: number;
  declaredPartitions: number | undefined;
  cleanupPolicy: string | undefined;
  offsets: PartitionOffsets[];
  /** Sum of the partitions' high watermarks. */
  endOffset: number;
  /** Records currently kept (sum of high - low; compaction makes it an upper bound). */
  records: number;
  /** Registered versions of the topic's value subject (empty when none or no registry). */
  schemaVersions: number[];
  latestSchemaId: number | undefined;
}

export interface GroupLag {
  groupId: string;
  topic: string;
  /** Records behind the end, summed over the partitions the group has committed offsets for. */
  lag: number;
  partitions: { partition: number; committed: number; high: number; lag: number }[];
}

export interface TopologyState {
  topics: TopicState[];
  lags: GroupLag[];
}

export interface DescribeOptions {
  kafka: Kafka;
  /** Schema registry URL; schema columns stay empty without it. */
  registryUrl?: string;
  featureVersion: string;
}

async function subjectVersions(
  url: string,
  subject: string,
): Promise<{ versions: number[]; latestId?: number }> {
  const base = `${url.replace(/\/+$/, '')}/subjects/${encodeURIComponent(subject)}/versions`;
  const res = await fetch(base);
  if (res.status === 404) return { versions: [] };
  if (!res.ok) throw new Error(`schema registry answered ${res.status} for ${subject}: ${await res.text()}`);
  const versions = (await res.json()) as number[];
  const latest = await fetch(`${base}/latest`);
  const latestId = latest.ok ? ((await latest.json()) as { id: number }).id : undefined;
  return { versions, latestId };
}

async function cleanupPolicies(admin: Admin, names: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: ['cleanup.policy'] })),
  });
  for (const r of configs.resources) {
    const policy = r.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue;
    if (policy !== undefined) out.set(r.resourceName, policy);
  }
  return out;
}

/**
 * What is there: every declared topic (created or not) and every other non-internal topic,
 * with partitions, cleanup policy, offsets and registered schema versions, and the lag of every
 * consumer group that has committed offsets on them.
 */
export async function describeTopology(options: DescribeOptions): Promise<TopologyState> {
  const declarations = declaredTopics(options.featureVersion);
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    const existing = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
    const names = [...new Set([...declarations.map((d) => d.name), SCHEMAS_TOPIC, ...existing])].filter(
      (n) => existing.includes(n) || declarations.some((d) => d.name === n),
    );
    const live = names.filter((n) => existing.includes(n));
    const metadata = live.length ? await admin.fetchTopicMetadata({ topics: live }) : { topics: [] };
    const policies = await cleanupPolicies(admin, live);

    const topics: TopicState[] = [];
    for (const name of names) {
      const declaration = declarations.find((d) => d.name === name);
      const exists = live.includes(name);
      const offsets: PartitionOffsets[] = exists
        ? (await admin.fetchTopicOffsets(name))
            .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
            .sort((a, b) => a.partition - b.partition)
        : [];
      const schema =
        options.registryUrl && name !== SCHEMAS_TOPIC
          ? await subjectVersions(options.registryUrl, valueSubject(name))
          : { versions: [] };
      topics.push({
        name,
        declared: declaration !== undefined,
        exists,
        partitions: metadata.topics.find((t) => t.name === name)?.partitions.length ?? 0,
        declaredPartitions: declaration?.partitions,
        cleanupPolicy: policies.get(name),
        offsets,
        endOffset: offsets.reduce((sum, o) => sum + o.high, 0),
        records: offsets.reduce((sum, o) => sum + (o.high - o.low), 0),
        schemaVersions: schema.versions,
        latestSchemaId: schema.latestId,
      });
    }

    const lags: GroupLag[] = [];
    const { groups } = await admin.listGroups();
    for (const { groupId } of groups.sort((a, b) => a.groupId.localeCompare(b.groupId))) {
      if (live.length === 0) break;
      const committed = await admin.fetchOffsets({ groupId, topics: live });
      for (const t of committed) {
        const ends = topics.find((x) => x.name === t.topic)?.offsets ?? [];
        const partitions = t.partitions
          .filter((p) => Number(p.offset) >= 0)
          .map((p) => {
            const high = ends.find((e) => e.partition === p.partition)?.high ?? 0;
            const offset = Number(p.offset);
            return { partition: p.partition, committed: offset, high, lag: Math.max(0, high - offset) };
          });
        if (partitions.length === 0) continue;
        lags.push({ groupId, topic: t.topic, lag: partitions.reduce((s, p) => s + p.lag, 0), partitions });
      }
    }
    return { topics, lags };
  } finally {
    await admin.disconnect();
  }
}
