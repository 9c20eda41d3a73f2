import { SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka } from 'kafkajs';
import { TOPIC_CONFIG_SOURCE, TOPIC_RESOURCE } from './kafka-constants.js';
import type { Logger } from '../lib/logger.js';
import { avroSchema } from '../schemas/avro.js';
import { valueSubject, type AvroSerde } from '../schemas/serde.js';
import { declaredTopics, type TopicDeclaration } from './topics.js';

/** One thing `topology apply` changed. */
export interface TopologyChange {
  topic: string;
  action: 'create-topic' | 'alter-configs' | 'add-partitions' | 'register-schema';
  detail: string;
}

export interface ApplyResult {
  changes: TopologyChange[];
  /** Differences apply leaves alone on purpose (it never shrinks or deletes). */
  warnings: string[];
}

export interface ApplyOptions {
  kafka: Kafka;
  serde: AvroSerde;
  featureVersion: string;
  logger: Logger;
  /** Defaults to every declared topic of `featureVersion`. */
  declarations?: TopicDeclaration[];
}

/** The topic-level configs a declaration fixes: cleanup.policy plus its own. */
export function declaredConfigs(d: TopicDeclaration): Record<string, string> {
  return { 'cleanup.policy': d.cleanupPolicy, ...d.configs };
}

interface ExistingTopic {
  partitions: number;
  /** Every config value as the broker reports it. */
  values: Map<string, string>;
  /** The topic-level overrides (what AlterConfigs replaces). */
  overrides: Map<string, string>;
}

async function describeExisting(admin: Admin, names: string[]): Promise<Map<string, ExistingTopic>> {
  const out = new Map<string, ExistingTopic>();
  if (names.length === 0) return out;
  const metadata = await admin.fetchTopicMetadata({ topics: names });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: TOPIC_RESOURCE, name })),
  });
  for (const t of metadata.topics) {
    const resource = configs.resources.find((r) => r.resourceName === t.name);
    if (resource && resource.errorCode !== 0) {
      throw new Error(
        `could not read the configs of topic ${t.name}: ${resource.errorMessage || `error ${resource.errorCode}`}`,
      );
    }
    const values = new Map<string, string>();
    const overrides = new Map<string, string>();
    for (const e of resource?.configEntries ?? []) {
      values.set(e.configName, e.configValue);
      if (e.configSource === TOPIC_CONFIG_SOURCE) overrides.set(e.configName, e.configValue);
    }
    out.set(t.name, { partitions: t.partitions.length, values, overrides });
  }
  return out;
}

/**
 * The registry client's lookup turns a 404 (subject or schema unknown) into a plain
 * ConfluentSchemaRegistryError; every other failure keeps its HTTP status or is a network error.
 */
function isNotFound(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { status?: unknown; name?: unknown };
  return e.status === 404 || e.name === 'ConfluentSchemaRegistryError';
}

/**
 * Makes the cluster match the declarations: creates missing topics, sets configs that differ,
 * adds partitions to topics declared with more (never removes any, never deletes a topic) and
 * registers every value schema. Running it again changes nothing.
 */
export async function applyTopology(options: ApplyOptions): Promise<ApplyResult> {
  const declarations = options.declarations ?? declaredTopics(options.featureVersion);
  const logger = options.logger.child({ part: 'topology' });
  const changes: TopologyChange[] = [];
  const warnings: string[] = [];
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    const names = new Set(await admin.listTopics());
    const existing = await describeExisting(
      admin,
      declarations.filter((d) => names.has(d.name)).map((d) => d.name),
    );

    const missing = declarations.filter((d) => !existing.has(d.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((d) => ({
          topic: d.name,
          numPartitions: d.partitions,
          configEntries: Object.entries(declaredConfigs(d)).map(([name, value]) => ({ name, value })),
        })),
      });
      for (const d of missing) {
        const configs = Object.entries(declaredConfigs(d))
          .map(([k, v]) => `${k}=${v}`)
          .join(', ');
        changes.push({
          topic: d.name,
          action: 'create-topic',
          detail: `${d.partitions} partitions, ${configs}`,
        });
      }
    }

    for (const d of declarations) {
      const current = existing.get(d.name);
      if (!current) continue;
      const wanted = declaredConfigs(d);
      const differing = Object.entries(wanted).filter(([k, v]) => current.values.get(k) !== v);
      if (differing.length > 0) {
        // AlterConfigs replaces the topic's overrides as a whole: keep the ones not declared.
        const merged = new Map([...current.overrides, ...Object.entries(wanted)]);
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: TOPIC_RESOURCE,
              name: d.name,
              configEntries: [...merged].map(([name, value]) => ({ name, value })),
            },
          ],
        });
        changes.push({
          topic: d.name,
          action: 'alter-configs',
          detail: differing.map(([k, v]) => `${k}: ${current.values.get(k) ?? '(unset)'} -> ${v}`).join(', '),
        });
      }
      if (current.partitions < d.partitions) {
        await admin.createPartitions({ topicPartitions: [{ topic: d.name, count: d.partitions }] });
        changes.push({
          topic: d.name,
          action: 'add-partitions',
          detail: `${current.partitions} -> ${d.partitions}`,
        });
      } else if (current.partitions > d.partitions) {
        warnings.push(
          `${d.name} has ${current.partitions} partitions, more than the ${d.partitions} declared; partitions are never removed`,
        );
      }
    }

    for (const d of declarations) {
      const subject = valueSubject(d.name);
      const schema = { type: SchemaType.AVRO as const, schema: JSON.stringify(avroSchema(d.valueRecord)) };
      let registered = true;
      try {
        await options.serde.registry.getRegistryIdBySchema(subject, schema);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        registered = false;
      }
      // Registering is idempotent; do it anyway so the serde caches the id.
      let id: number;
      try {
        id = await options.serde.schemaId(d.name, d.valueRecord);
      } catch (err) {
        throw new Error(`could not register ${d.valueRecord} as ${subject}: ${(err as Error).message}`);
      }
      if (!registered)
        changes.push({
          topic: d.name,
          action: 'register-schema',
          detail: `${d.valueRecord} as ${subject} (id ${id})`,
        });
    }
  } finally {
    await admin.disconnect();
  }
  for (const c of changes) logger.info(c, 'topology changed');
  for (const w of warnings) logger.warn(w);
  return { changes, warnings };
}
