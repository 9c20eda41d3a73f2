import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import type { TrainerClient } from '../../api/ports.js';
import type { ServedModelSource } from '../../api/recommend/types.js';
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { AvroSerde } from '../../schemas/serde.js';

/**
 * The training daemon inside `recostream up`.
 *
 * TRAINER SLOT: training/ does not export a daemon (`startTrainer(deps)`) yet. Until it does,
 * `up` runs without one: the API's training routes answer 503 and recommendations come from
 * live popularity. When it lands: call it here with these deps, return its TrainerClient, its
 * served-model source and its stop(), and set TRAINER_WIRED to true.
 * tests/unit/cli/up-trainer.test.ts fails as soon as training exports `startTrainer` while this
 * slot is still empty, and tests/e2e/up.test.ts checks the training routes accordingly.
 */
export const TRAINER_WIRED = false;

export interface UpTrainerDeps {
  config: Config;
  kafka: Kafka;
  serde: AvroSerde;
  clickhouse: ClickHouseClient;
  logger: Logger;
}

export interface UpTrainer {
  client: TrainerClient;
  servedModels: ServedModelSource | null;
  stop(): Promise<void>;
}

export async function startUpTrainer(deps: UpTrainerDeps): Promise<UpTrainer | null> {
  deps.logger.warn(
    'no training daemon in this build: training routes answer 503, recommendations by live popularity',
  );
  return null;
}
