import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startProcessors, type RunningProcessors } from '../../../processors/start.js';
import { ensureTopics } from '../../../processors/topics.js';
import { createFeatureReader } from '../../../sinks/redis/reader.js';
import { TOPIC } from '../../../topology/topics.js';
import { readTopic, waitForCaughtUp } from '../../harness/kafka-io.js';
import { spawnCli } from '../../harness/processes.js';
import { startStack, type Stack } from '../../harness/stack.js';
import { oracleInputsFromLog, redisDifferences } from './oracle-check.js';

/**
 * The scenario through the command line: `recostream generate`, `recostream replay` of
 * the catalog and the interactions, then the same interactions file again with --force. Replay
 * gives every row a deterministic event_id, so the second replay changes no feature. The file
 * spans 60 days, so the dedupe horizon is set past it (copies older than the horizon behind the
 * clock are, by definition, not recognised).
 */
describe('replaying a file again with --force', () => {
  let stack: Stack | undefined;
  let running: RunningProcessors | undefined;

  afterAll(async () => {
    await running?.stop();
    await stack?.stop();
  });

  async function run(args: string[], env: Record<string, string>): Promise<void> {
    const child = spawnCli(args, env);
    const exit = await child.exited;
    expect(exit.code, `${args.join(' ')}\n${child.output()}`).toBe(0);
  }

  it('changes no feature, and the features equal the oracle', async () => {
    stack = await startStack({ redis: true, broker: true, registry: true });
    const kafka = stack.kafka();
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, 'v1');
    await admin.disconnect();
    const dir = path.join(stack.dataDir, 'generated');
    const env = stack.env();
    await run(
      [
        'generate',
        '--users',
        '300',
        '--items',
        '200',
        '--interactions',
        '15000',
        '--days',
        '60',
        '--out',
        dir,
      ],
      env,
    );
    await run(['replay', 'items', path.join(dir, 'items.csv')], env);
    await run(['replay', 'interactions', path.join(dir, 'interactions.csv')], env);

    const redis = stack.redis();
    running = await startProcessors({
      which: 'all',
      version: 'v1',
      kafkaBrokers: [stack.brokers!],
      registryUrl: stack.registryUrl!,
      redisUrl: stack.redisUrl!,
      logger: stack.logger,
      dedupeHorizonDays: 3650,
    });
    await waitForCaughtUp(kafka, redis, 'v1');
    const serde = stack.serde();
    const input = await oracleInputsFromLog(kafka, serde);
    const produced = input.interactions;
    const reader = createFeatureReader(redis);
    const first = await redisDifferences(reader, input);
    expect(first.users).toBeGreaterThan(100);
    expect(first.diffs.slice(0, 20)).toEqual([]);
    const userIds = [...new Set(produced.map((e) => e.user_id))];
    const itemIds = [...new Set(produced.map((e) => e.item_id))];
    const usersBefore = await reader.readUserFeatures(userIds);
    const itemsBefore = await reader.readItemFeatures(itemIds);

    await run(['replay', 'interactions', path.join(dir, 'interactions.csv'), '--force'], env);
    await waitForCaughtUp(kafka, redis, 'v1');
    const again = (await readTopic(kafka, serde, TOPIC.interactions, 'Interaction')).length;
    expect(again).toBe(2 * produced.length);
    // Every copy is skipped: no entity is even written again (same updated_at, same clock).
    expect(await reader.readUserFeatures(userIds)).toEqual(usersBefore);
    expect(await reader.readItemFeatures(itemIds)).toEqual(itemsBefore);
  });
});
