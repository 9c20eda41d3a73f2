import { boolean, nullableArraySince, since, string, struct } from '../schema.js';

/**
 * Metadata v0–6. v0: an empty topic list means all topics. v1+: null means all, empty means
 * none (brokers only). v4 adds allow_auto_topic_creation.
 */
export interface MetadataRequestTopic {
  name: string;
}
export interface MetadataRequest {
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation: boolean;
}

export const metadataRequest = struct<MetadataRequest>({
  topics: nullableArraySince(1, struct<MetadataRequestTopic>({ name: string })),
  allowAutoTopicCreation: since(4, boolean, true),
});

/** The topics a request asks about, or null for every topic (v0's empty list included). */
export function requestedTopics(req: MetadataRequest, version: number): string[] | null {
  if (req.topics === null || (version === 0 && req.topics.length === 0)) return null;
  return req.topics.map((t) => t.name);
}
