import { TOPIC } from '../../topology/topics.js';
import type { RecordName } from '../../schemas/types.js';

/** The database every recostream table lives in (created by the migrations). */
export const DATABASE = 'recostream';

/** The tables the sink writes, one per kind of topic. */
export const TABLE = {
  interactions: 'interactions',
  items: 'items',
  users: 'users',
  userFeatures: 'user_features',
  itemFeatures: 'item_features',
  deadLetters: 'dead_letters',
  trainingRuns: 'training_runs',
} as const;

export type TableName = (typeof TABLE)[keyof typeof TABLE];

export function qualified(table: TableName): string {
  return `${DATABASE}.${table}`;
}

/** Feature topics of every version, present and future: `user-features.v1`, `item-features.v2-exp`. */
export const FEATURE_TOPIC_PATTERN = /^(user|item)-features\..+$/;

/** The topics the sink consumes whatever versions exist. */
export const STATIC_SOURCE_TOPICS: readonly string[] = [
  TOPIC.interactions,
  TOPIC.items,
  TOPIC.users,
  TOPIC.deadLetters,
  TOPIC.trainingRuns,
];

export interface TopicRoute {
  table: TableName;
  record: RecordName;
}

/** Where a topic's records land and how they are decoded; undefined for a topic the sink does not read. */
export function routeOf(topic: string): TopicRoute | undefined {
  switch (topic) {
    case TOPIC.interactions:
      return { table: TABLE.interactions, record: 'Interaction' };
    case TOPIC.items:
      return { table: TABLE.items, record: 'Item' };
    case TOPIC.users:
      return { table: TABLE.users, record: 'User' };
    case TOPIC.deadLetters:
      return { table: TABLE.deadLetters, record: 'DeadLetter' };
    case TOPIC.trainingRuns:
      return { table: TABLE.trainingRuns, record: 'TrainingRun' };
  }
  if (FEATURE_TOPIC_PATTERN.test(topic)) {
    return topic.startsWith('user-')
      ? { table: TABLE.userFeatures, record: 'UserFeatures' }
      : { table: TABLE.itemFeatures, record: 'ItemFeatures' };
  }
  return undefined;
}

/** The topics among `available` that the sink reads, sorted. */
export function sourceTopics(available: Iterable<string>): string[] {
  return [...new Set(available)].filter((t) => routeOf(t) !== undefined).sort();
}
