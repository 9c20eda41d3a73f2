import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../lib/logger.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { TrainingRun } from '../../schemas/types.js';
import { TOPIC } from '../../topology/topics.js';
import type { PromotedRun } from './served-model.js';

/**
 * Which trained model to serve, read from the compacted `training-runs` topic: the promoted run
 * with an artifact that finished last. Every API instance follows the topic from its start with a
 * group of its own that never commits, so a restarted API knows the served model again as soon
 * as it has read the (compacted, small) topic.
 */
export interface PromotedRunFollower {
  current(): Promise<PromotedRun | null>;
  stop(): Promise<void>;
}

export function isServable(run: TrainingRun): boolean {
  return run.promoted && run.artifact_path !== null && run.status === 'succeeded';
}

/** The run to serve among `runs`: the promoted one that finished last. */
export function latestPromoted(runs: Iterable<TrainingRun>): TrainingRun | null {
  let best: TrainingRun | null = null;
  for (const run of runs) {
    if (!isServable(run)) continue;
    if (!best || (run.finished_at ?? run.started_at) > (best.finished_at ?? best.started_at)) best = run;
  }
  return best;
}

export async function followPromotedRuns(
  kafka: Kafka,
  serde: AvroSerde,
  logger: Logger,
): Promise<PromotedRunFollower> {
  const log = logger.child({ part: 'promoted-runs' });
  const runs = new Map<string, TrainingRun>();
  const consumer: Consumer = kafka.consumer({
    groupId: `recostream-api-runs-${randomUUID()}`,
    maxWaitTimeInMs: 500,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC.trainingRuns, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const key = message.key?.toString();
      if (!key) return;
      if (!message.value) {
        runs.delete(key);
        return;
      }
      try {
        runs.set(key, await serde.decode('TrainingRun', message.value));
      } catch (err) {
        log.warn({ err, run: key }, 'unreadable training run record; skipped');
      }
    },
  });
  return {
    async current() {
      const run = latestPromoted(runs.values());
      return run ? { runId: run.run_id, artifactPath: run.artifact_path! } : null;
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}
