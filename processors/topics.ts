import type { Admin } from 'kafkajs';
import { declaredTopics } from '../topology/topics.js';

/**
 * Creates the topics a processor of `version` reads and writes when they are missing (a new
 * version's feature topics, on `reprocess`), from the declarations in topology/topics.ts.
 * Existing topics are left as they are: altering them is `topology apply`'s job.
 */
export async function ensureTopics(admin: Admin, version: string): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = declaredTopics(version).filter((t) => !existing.has(t.name));
  if (missing.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((t) => ({
      topic: t.name,
      numPartitions: t.partitions,
      configEntries: Object.entries({ 'cleanup.policy': t.cleanupPolicy, ...t.configs }).map(
        ([name, value]) => ({
          name,
          value,
        }),
      ),
    })),
  });
  return missing.map((t) => t.name);
}
