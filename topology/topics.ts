import type { RecordName } from '../schemas/types.js';

/**
 * Every topic of recostream, as data, in one place (DESIGN.md "Topics"). `topology apply`
 * creates and alters topics from these declarations; producers key records by `keyField`;
 * consumers decode with `valueRecord`.
 */
export interface TopicDeclaration {
  name: string;
  partitions: number;
  cleanupPolicy: 'delete' | 'compact';
  /** Topic-level configs besides cleanup.policy (retention, segment sizes, ...). */
  configs: Record<string, string>;
  /** The record field whose value is the message key (UTF-8). */
  keyField: string;
  valueRecord: RecordName;
  description: string;
}

const FOREVER = '-1';
const SEVEN_DAYS_MS = String(7 * 24 * 3600 * 1000);
const ONE_DAY_MS = String(24 * 3600 * 1000);

export const RAW_PARTITIONS = 6;
export const DEFAULT_PARTITIONS = 3;

export const TOPIC = {
  interactions: 'interactions',
  interactionsByItem: 'interactions-by-item',
  items: 'items',
  users: 'users',
  trainingRuns: 'training-runs',
  deadLetters: 'dead-letters',
  replayManifests: 'replay-manifests',
} as const;

export function userFeaturesTopic(version: string): string {
  return `user-features.${version}`;
}

export function itemFeaturesTopic(version: string): string {
  return `item-features.${version}`;
}

/** The static topics plus the feature topics of one version. */
export function declaredTopics(featureVersion: string): TopicDeclaration[] {
  return [
    {
      name: TOPIC.interactions,
      partitions: RAW_PARTITIONS,
      cleanupPolicy: 'delete',
      // The log is the system of record: kept forever unless an operator decides otherwise.
      configs: { 'retention.ms': FOREVER, 'retention.bytes': FOREVER },
      keyField: 'user_id',
      valueRecord: 'Interaction',
      description: 'every interaction event, keyed by user_id',
    },
    {
      name: TOPIC.interactionsByItem,
      partitions: RAW_PARTITIONS,
      cleanupPolicy: 'delete',
      configs: { 'retention.ms': FOREVER, 'retention.bytes': FOREVER },
      keyField: 'item_id',
      valueRecord: 'Interaction',
      description: 'interactions repartitioned by item_id (written by the user-features processor)',
    },
    {
      name: TOPIC.items,
      partitions: DEFAULT_PARTITIONS,
      cleanupPolicy: 'compact',
      configs: { 'delete.retention.ms': ONE_DAY_MS },
      keyField: 'item_id',
      valueRecord: 'Item',
      description: 'the item catalog (latest record per item_id)',
    },
    {
      name: TOPIC.users,
      partitions: DEFAULT_PARTITIONS,
      cleanupPolicy: 'compact',
      configs: { 'delete.retention.ms': ONE_DAY_MS },
      keyField: 'user_id',
      valueRecord: 'User',
      description: 'user profiles (latest record per user_id)',
    },
    {
      name: userFeaturesTopic(featureVersion),
      partitions: DEFAULT_PARTITIONS,
      cleanupPolicy: 'compact',
      configs: { 'delete.retention.ms': ONE_DAY_MS },
      keyField: 'user_id',
      valueRecord: 'UserFeatures',
      description: `user features of version ${featureVersion} (latest record per user_id)`,
    },
    {
      name: itemFeaturesTopic(featureVersion),
      partitions: DEFAULT_PARTITIONS,
      cleanupPolicy: 'compact',
      configs: { 'delete.retention.ms': ONE_DAY_MS },
      keyField: 'item_id',
      valueRecord: 'ItemFeatures',
      description: `item features of version ${featureVersion} (latest record per item_id)`,
    },
    {
      name: TOPIC.trainingRuns,
      partitions: DEFAULT_PARTITIONS,
      cleanupPolicy: 'compact',
      configs: {},
      keyField: 'run_id',
      valueRecord: 'TrainingRun',
      description: 'training runs (latest state per run_id)',
    },
    {
      name: TOPIC.deadLetters,
      partitions: DEFAULT_PARTITIONS,
      cleanupPolicy: 'delete',
      configs: { 'retention.ms': SEVEN_DAYS_MS },
      keyField: 'source',
      valueRecord: 'DeadLetter',
      description: 'rejected input with its raw payload and reason (kept 7 days)',
    },
    {
      name: TOPIC.replayManifests,
      // One partition: a handful of small records, read end to end before every replay.
      partitions: 1,
      cleanupPolicy: 'compact',
      configs: {},
      keyField: 'replay_key',
      valueRecord: 'ReplayManifest',
      description: 'one manifest per replayed file content and kind (latest state per replay_key)',
    },
  ];
}

/**
 * The schema registry's storage topic (compacted, one partition). The registry creates and
 * writes it; `topology apply` never touches it and `topology describe` lists it.
 */
export const SCHEMAS_TOPIC = '_schemas';

const FEATURE_TOPIC = /^(?:user|item)-features\.(.+)$/;

/** The declaration of a topic by name, the feature topics of any version included. */
export function findDeclaration(topic: string): TopicDeclaration | undefined {
  const version = FEATURE_TOPIC.exec(topic)?.[1];
  return declaredTopics(version ?? 'v1').find((d) => d.name === topic);
}

/**
 * The value record of a topic at the type level, so that `produce('items', ...)` only accepts
 * Items. Mirrors `valueRecord` of the declarations above (a unit test holds them together); a
 * topic name known only at run time accepts any record and is checked against its declaration.
 */
export type TopicValueRecord<T extends string> = string extends T
  ? RecordName
  : T extends typeof TOPIC.interactions | typeof TOPIC.interactionsByItem
    ? 'Interaction'
    : T extends typeof TOPIC.items
      ? 'Item'
      : T extends typeof TOPIC.users
        ? 'User'
        : T extends `user-features.${string}`
          ? 'UserFeatures'
          : T extends `item-features.${string}`
            ? 'ItemFeatures'
            : T extends typeof TOPIC.trainingRuns
              ? 'TrainingRun'
              : T extends typeof TOPIC.deadLetters
                ? 'DeadLetter'
                : T extends typeof TOPIC.replayManifests
                  ? 'ReplayManifest'
                  : never;
