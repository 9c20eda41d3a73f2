/**
 * The API keys this broker speaks and the versions it advertises in ApiVersions: the single
 * source of truth for both the ApiVersions response and request dispatch. Only non-flexible
 * versions are advertised (KAFKA-PROTOCOL.md §1); `flexibleFrom` tells the server which request
 * header a version uses, needed only for the ApiVersions v3 fallback.
 *
 * The minima matter: librdkafka silently disables consumer groups if FindCoordinator, JoinGroup,
 * SyncGroup, Heartbeat or LeaveGroup does not include v0, and the idempotent producer if
 * InitProducerId does not. The maxima matter too: kafka-python infers the broker version from
 * them (Fetch v11 -> 2.3), and anything lower than Metadata v4 would make it fall back to
 * message format v1.
 */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
} as const;

export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];

export interface AdvertisedApi {
  readonly key: ApiKey;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version in Apache Kafka (never advertised here). */
  readonly flexibleFrom: number;
}

export const ADVERTISED_APIS: readonly AdvertisedApi[] = [
  { key: ApiKey.Produce, name: 'Produce', minVersion: 3, maxVersion: 7, flexibleFrom: 9 },
  { key: ApiKey.Fetch, name: 'Fetch', minVersion: 4, maxVersion: 11, flexibleFrom: 12 },
  { key: ApiKey.ListOffsets, name: 'ListOffsets', minVersion: 0, maxVersion: 3, flexibleFrom: 6 },
  { key: ApiKey.Metadata, name: 'Metadata', minVersion: 0, maxVersion: 6, flexibleFrom: 9 },
  { key: ApiKey.OffsetCommit, name: 'OffsetCommit', minVersion: 0, maxVersion: 7, flexibleFrom: 8 },
  { key: ApiKey.OffsetFetch, name: 'OffsetFetch', minVersion: 1, maxVersion: 5, flexibleFrom: 6 },
  { key: ApiKey.FindCoordinator, name: 'FindCoordinator', minVersion: 0, maxVersion: 2, flexibleFrom: 3 },
  { key: ApiKey.JoinGroup, name: 'JoinGroup', minVersion: 0, maxVersion: 5, flexibleFrom: 6 },
  { key: ApiKey.Heartbeat, name: 'Heartbeat', minVersion: 0, maxVersion: 3, flexibleFrom: 4 },
  { key: ApiKey.LeaveGroup, name: 'LeaveGroup', minVersion: 0, maxVersion: 3, flexibleFrom: 4 },
  { key: ApiKey.SyncGroup, name: 'SyncGroup', minVersion: 0, maxVersion: 3, flexibleFrom: 4 },
  { key: ApiKey.DescribeGroups, name: 'DescribeGroups', minVersion: 0, maxVersion: 4, flexibleFrom: 5 },
  { key: ApiKey.ListGroups, name: 'ListGroups', minVersion: 0, maxVersion: 2, flexibleFrom: 3 },
  { key: ApiKey.SaslHandshake, name: 'SaslHandshake', minVersion: 0, maxVersion: 1, flexibleFrom: 2 },
  { key: ApiKey.ApiVersions, name: 'ApiVersions', minVersion: 0, maxVersion: 2, flexibleFrom: 3 },
  { key: ApiKey.CreateTopics, name: 'CreateTopics', minVersion: 0, maxVersion: 4, flexibleFrom: 5 },
  { key: ApiKey.DeleteTopics, name: 'DeleteTopics', minVersion: 0, maxVersion: 3, flexibleFrom: 4 },
  { key: ApiKey.DeleteRecords, name: 'DeleteRecords', minVersion: 0, maxVersion: 1, flexibleFrom: 2 },
  { key: ApiKey.InitProducerId, name: 'InitProducerId', minVersion: 0, maxVersion: 1, flexibleFrom: 2 },
  { key: ApiKey.DescribeConfigs, name: 'DescribeConfigs', minVersion: 0, maxVersion: 2, flexibleFrom: 4 },
  { key: ApiKey.AlterConfigs, name: 'AlterConfigs', minVersion: 0, maxVersion: 1, flexibleFrom: 2 },
  { key: ApiKey.SaslAuthenticate, name: 'SaslAuthenticate', minVersion: 0, maxVersion: 1, flexibleFrom: 2 },
  { key: ApiKey.CreatePartitions, name: 'CreatePartitions', minVersion: 0, maxVersion: 1, flexibleFrom: 2 },
  { key: ApiKey.DeleteGroups, name: 'DeleteGroups', minVersion: 0, maxVersion: 1, flexibleFrom: 2 },
];

const byKey = new Map<number, AdvertisedApi>(ADVERTISED_APIS.map((a) => [a.key, a]));

export function advertisedApi(key: number): AdvertisedApi | undefined {
  return byKey.get(key);
}

export function isAdvertised(key: number, version: number): boolean {
  const api = byKey.get(key);
  return api !== undefined && version >= api.minVersion && version <= api.maxVersion;
}
