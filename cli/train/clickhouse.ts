import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { ChdbOwnedError, openClickHouse, type ClickHouseHandle } from '../../lib/clickhouse.js';
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { AvroSerde } from '../../schemas/serde.js';
import { openReadOnlyClickHouse, type ReadOnlyClickHouse } from '../../sinks/clickhouse/query.js';
import { DEFAULT_SINK_GROUP, startClickHouseSink, type ClickHouseSink } from '../../sinks/clickhouse/sink.js';

/**
 * ClickHouse for a training process: the read-only side for labels and, where nobody else runs
 * it, the ClickHouse sink in this process — with the embedded chDB this process owns the data
 * directory, so no other process can be storing the labels; with a server, the sink runs here
 * only when no sink is consuming (`sink: 'auto'`).
 */

export interface TrainingClickHouse {
  labels: ReadOnlyClickHouse;
  /** The sink this process runs, if any. */
  sink: ClickHouseSink | null;
  close(): Promise<void>;
}

export interface OpenTrainingClickHouseOptions {
  config: Config;
  kafka: Kafka;
  admin: Admin;
  serde: AvroSerde;
  logger: Logger;
  /** `auto`: with chDB always, with a server when the sink's group has no member. */
  sink: 'auto' | 'always' | 'never';
  /** What to say when another process owns the embedded chDB. */
  ownedHint: string;
}

export async function sinkIsRunning(admin: Admin, groupId = DEFAULT_SINK_GROUP): Promise<boolean> {
  const { groups } = await admin.describeGroups([groupId]);
  return (groups[0]?.members.length ?? 0) > 0;
}

export async function openTrainingClickHouse(
  opts: OpenTrainingClickHouseOptions,
): Promise<TrainingClickHouse> {
  const { config, logger } = opts;
  const chdbDir = path.join(config.dataDir, 'clickhouse');
  let owner: ClickHouseHandle | null = null;
  let labels: ReadOnlyClickHouse;
  let runSink: boolean;
  if (config.clickhouseUrl) {
    labels = await openReadOnlyClickHouse({ url: config.clickhouseUrl, chdbDir, logger });
    runSink = opts.sink === 'always' || (opts.sink === 'auto' && !(await sinkIsRunning(opts.admin)));
    if (runSink) owner = await openClickHouse({ url: config.clickhouseUrl, chdbDir, logger });
  } else {
    try {
      owner = await openClickHouse({ chdbDir, logger });
    } catch (err) {
      if (err instanceof ChdbOwnedError) throw new Error(`${err.message} ${opts.ownedHint}`);
      throw err;
    }
    labels = await openReadOnlyClickHouse({ chdbDir, owner, logger });
    runSink = opts.sink !== 'never';
  }
  let sink: ClickHouseSink | null = null;
  try {
    if (runSink && owner) {
      logger.info('running the ClickHouse sink in this process (it stores the labels and the run records)');
      sink = await startClickHouseSink({
        kafka: opts.kafka,
        serde: opts.serde,
        clickhouse: owner.client,
        registryUrl: config.schemaRegistryUrl,
        logger,
        lingerMs: 500,
      });
    }
  } catch (err) {
    await labels.close().catch(() => undefined);
    await owner?.close().catch(() => undefined);
    throw err;
  }
  return {
    labels,
    sink,
    async close() {
      await sink?.stop().catch((err: unknown) => logger.warn({ err }, 'could not stop the ClickHouse sink'));
      await labels.close().catch(() => undefined);
      await owner?.close().catch(() => undefined);
    },
  };
}
