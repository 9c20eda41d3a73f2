import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../../lib/logger.js';
import type { AvroSerde } from '../../schemas/serde.js';
import type { TrainingRun } from '../../schemas/types.js';
import type { TypedProducer } from '../../topology/producer.js';
import { TOPIC } from '../../topology/topics.js';
import { readCompactedUpTo } from '../snapshot/compacted-reader.js';
import { recordEndOffsets } from '../snapshot/offsets.js';
import { isFinal } from './record.js';

/**
 * The runs a trainer knows: restored from the compacted `training-runs` topic when it starts (the
 * topic is the system of record; ClickHouse's `training_runs` is a copy the sink makes), kept in
 * memory, and extended by publishing each new state of a run to the topic, keyed by run id.
 */

export interface RunRegistryOptions {
  kafka: Kafka;
  admin: Admin;
  serde: AvroSerde;
  producer: TypedProducer;
  logger: Logger;
}

export class RunRegistry {
  private readonly runs = new Map<string, TrainingRun>();
  private readonly log: Logger;

  constructor(private readonly opts: RunRegistryOptions) {
    this.log = opts.logger.child({ part: 'training-runs' });
  }

  /**
   * Reads every run from the topic. A run still `running` there was interrupted (its trainer
   * stopped mid-run): it is republished as failed, so that nobody waits for it.
   */
  async restore(now: number): Promise<void> {
    const ends = await recordEndOffsets(this.opts.admin, [TOPIC.trainingRuns]);
    const read = await readCompactedUpTo([{ topic: TOPIC.trainingRuns, record: 'TrainingRun' }], ends, {
      kafka: this.opts.kafka,
      serde: this.opts.serde,
      logger: this.log,
      groupPrefix: 'recostream-trainer-runs',
    });
    for (const run of (read.latest.get(TOPIC.trainingRuns)?.values() ?? []) as Iterable<TrainingRun>)
      this.runs.set(run.run_id, run);
    const interrupted = [...this.runs.values()].filter((r) => !isFinal(r));
    for (const run of interrupted) {
      await this.publish({
        ...run,
        status: 'failed',
        error: 'the trainer stopped before the run finished',
        finished_at: now,
      });
    }
    this.log.info({ runs: this.runs.size, interrupted: interrupted.length }, 'training runs restored');
  }

  /** Records a new state of a run (in memory at once, then on the topic). */
  async publish(run: TrainingRun): Promise<void> {
    this.runs.set(run.run_id, run);
    const result = await this.opts.producer.produce(TOPIC.trainingRuns, [run]);
    if (result.failed.length > 0) {
      const failure = result.failed[0]!;
      throw new Error(`could not publish run ${run.run_id} to ${TOPIC.trainingRuns}: ${failure.reason}`);
    }
  }

  get(runId: string): TrainingRun | null {
    return this.runs.get(runId) ?? null;
  }

  /** Newest first (by start time, then id). */
  list(limit = Number.POSITIVE_INFINITY): TrainingRun[] {
    return [...this.runs.values()]
      .sort((a, b) => b.started_at - a.started_at || (a.run_id < b.run_id ? 1 : -1))
      .slice(0, limit);
  }

  /** The newest run (any status), or null. */
  latest(): TrainingRun | null {
    return this.list(1)[0] ?? null;
  }

  /** The newest succeeded run of a feature version, or null. */
  latestSucceeded(featureVersion: string): TrainingRun | null {
    return this.list().find((r) => r.status === 'succeeded' && r.feature_version === featureVersion) ?? null;
  }
}
