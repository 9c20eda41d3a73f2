import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { loadConfig } from '../../lib/config.js';
import { createKafka } from '../../lib/kafka.js';
import { logger } from '../../lib/logger.js';
import { connectRedisOnce } from '../../lib/redis.js';
import { processorGroupId } from '../../processors/runtime/processor.js';
import { PROCESSOR_NAMES } from '../../processors/start.js';
import { dropVersionKeys, listVersions, switchActiveVersion } from '../../sinks/redis/versions.js';
import { itemFeaturesTopic, userFeaturesTopic } from '../../topology/topics.js';
import { requireRedisUrl } from './common.js';

async function withRedis<T>(command: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = await connectRedisOnce(requireRedisUrl(loadConfig(), command), command);
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

export async function listVersionsCommand(json: boolean): Promise<void> {
  const versions = await withRedis('versions', listVersions);
  if (json) {
    process.stdout.write(`${JSON.stringify(versions, null, 2)}\n`);
    return;
  }
  if (versions.length === 0) {
    process.stdout.write('no feature versions yet (processors register theirs when they start)\n');
    return;
  }
  const iso = (t: number | null | undefined) =>
    t === null || t === undefined ? '-' : new Date(t).toISOString();
  process.stdout.write(
    `${'version'.padEnd(14)} ${'active'.padEnd(6)} ${'clock'.padEnd(24)} ${'created'.padEnd(24)} switched\n`,
  );
  for (const v of versions) {
    process.stdout.write(
      `${v.version.padEnd(14)} ${(v.active ? 'yes' : '').padEnd(6)} ${iso(v.clock).padEnd(24)} ${iso(v.meta.created_at).padEnd(24)} ${iso(v.meta.switched_at)}\n`,
    );
  }
}

export async function switchVersionCommand(version: string): Promise<void> {
  await withRedis('versions switch', (redis) => switchActiveVersion(redis, version));
  process.stdout.write(`active version: ${version}\n`);
}

/** Groups of the version that still have members: dropping under running processors would race them. */
async function runningGroups(admin: Admin, version: string): Promise<string[]> {
  const ids = PROCESSOR_NAMES.map((p) => processorGroupId(p, version));
  const { groups } = await admin.describeGroups(ids);
  return groups.filter((g) => g.members.length > 0).map((g) => g.groupId);
}

export async function dropVersionCommand(version: string): Promise<void> {
  const config = loadConfig();
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'recostream-versions', logger });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const busy = await runningGroups(admin, version);
    if (busy.length > 0) {
      throw new Error(
        `processors of ${version} are running (consumer groups ${busy.join(', ')}); stop them first`,
      );
    }
    const deletedKeys = await withRedis('versions drop', (redis) => dropVersionKeys(redis, version));
    const existing = new Set(await admin.listTopics());
    const topics = [userFeaturesTopic(version), itemFeaturesTopic(version)].filter((t) => existing.has(t));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = PROCESSOR_NAMES.map((p) => processorGroupId(p, version));
    await admin.deleteGroups(groups).catch(() => undefined);
    process.stdout.write(
      `dropped ${version}: ${deletedKeys} Redis keys, topics ${topics.join(', ') || '(none)'}, consumer groups ${groups.join(', ')}\n`,
    );
  } finally {
    await admin.disconnect();
  }
}
