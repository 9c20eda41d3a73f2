import { Command, InvalidArgumentError, Option } from 'commander';
import { port } from './option-parsers.js';

const MODELS = ['popularity', 'mf', 'als', 'ranker'];

function wholeNumber(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number ≥ ${min}`);
    return n;
  };
}

/** `recostream train`: one training run now. */
export function trainCommand(): Command {
  return new Command('train')
    .description(
      'Run one training run now: through the API of a running trainer (POST /v1/training/runs), ' +
        'else in this process (snapshot, labels, fit, evaluate, promotion, run record)',
    )
    .addOption(
      new Option(
        '--model <kind>',
        'train one model kind besides the popularity baseline (default: all)',
      ).choices(MODELS),
    )
    .addOption(
      new Option('--protocol <protocol>', 'evaluation protocol')
        .choices(['temporal', 'kfold'])
        .default('temporal'),
    )
    .addOption(new Option('--folds <k>', 'folds of the kfold protocol').argParser(wholeNumber(2)).default(5))
    .addOption(
      new Option('--seed <n>', 'random seed (the same snapshot and seed give the same model)')
        .argParser(wholeNumber(0))
        .default(0),
    )
    .addOption(new Option('--metric <name>', 'promotion metric (default: TRAIN_PROMOTION_METRIC, ndcg@10)'))
    .addOption(new Option('--reason <text>', 'free text recorded with the run'))
    .option('--wait', 'wait for the run to finish, with a progress bar, and print the metric table', false)
    .option(
      '--json',
      'print the run record as JSON (the final one when waiting or training in this process)',
      false,
    )
    .addOption(new Option('--api <url>', 'API to request the run from (default: http://127.0.0.1:API_PORT)'))
    .option('--local', 'train in this process even if an API answers', false)
    .addOption(
      new Option('--sink-timeout <seconds>', 'how long to wait for the ClickHouse sink to store the snapshot')
        .argParser(wholeNumber(1))
        .default(600),
    )
    .addHelpText(
      'after',
      `
Through the API the trainer coalesces requests made during a run into one next run; --protocol,
--folds and --seed are sent along. In this process the run needs ClickHouse: the embedded chDB
(DATA_DIR/clickhouse, which this process then owns and fills by running the ClickHouse sink
until the snapshot is stored) or CLICKHOUSE_URL. Artifacts go to DATA_DIR/models/<run_id>/; the
record to the training-runs topic (and ClickHouse training_runs). Exit status 1 when the run fails.
Policies, models and metrics: docs/TRAINING.md.`,
    )
    .action(
      async (raw: {
        model?: string;
        protocol: string;
        folds: number;
        seed: number;
        metric?: string;
        reason?: string;
        wait: boolean;
        json: boolean;
        api?: string;
        local: boolean;
        sinkTimeout: number;
      }) => {
        const { runTrainCommand } = await import('../train/command.js');
        await runTrainCommand(raw);
      },
    );
}

/** `recostream trainer`: the training daemon. */
export function trainerCommand(): Command {
  return new Command('trainer')
    .description(
      'Run the training daemon: tracks feature changes of the active version and trains when its policy fires ' +
        '(or when asked through the API); one run at a time, requests during a run coalesced into the next',
    )
    .addOption(
      new Option(
        '--min-changed <n>',
        'changed users+items that start a run (default: TRAIN_MIN_CHANGED_ENTITIES, 1000)',
      ).argParser(wholeNumber(1)),
    )
    .addOption(
      new Option(
        '--min-interval <minutes>',
        'no policy run sooner after the last one (default: TRAIN_MIN_INTERVAL_MINUTES, 10)',
      ).argParser(Number),
    )
    .addOption(
      new Option(
        '--max-interval <hours>',
        'a run at the latest this long after the last one while features change (default: TRAIN_MAX_INTERVAL_HOURS, 24)',
      ).argParser(Number),
    )
    .addOption(new Option('--metric <name>', 'promotion metric (default: TRAIN_PROMOTION_METRIC, ndcg@10)'))
    .addOption(
      new Option('--model <kind>', 'train one model kind besides popularity (default: all)').choices(MODELS),
    )
    .addOption(
      new Option(
        '--protocol <protocol>',
        'evaluation protocol of policy runs and of requested runs that name none',
      )
        .choices(['temporal', 'kfold'])
        .default('temporal'),
    )
    .addOption(new Option('--folds <k>', 'folds of the kfold protocol').argParser(wholeNumber(2)).default(5))
    .addOption(new Option('--seed <n>', 'random seed').argParser(wholeNumber(0)).default(0))
    .addOption(
      new Option(
        '--sink <mode>',
        'run the ClickHouse sink in this process: auto = with chDB, or when no sink consumes',
      )
        .choices(['auto', 'always', 'never'])
        .default('auto'),
    )
    .addOption(
      new Option(
        '--check-interval <seconds>',
        'how often the policy, the active version and the health checks run',
      )
        .argParser(wholeNumber(1))
        .default(5),
    )
    .addOption(
      new Option(
        '--kafka-retries <n>',
        "retries of this process's Kafka clients before a request fails (about 30 s at 8); fewer: a run fails sooner while Kafka is away",
      )
        .argParser(wholeNumber(0))
        .default(8),
    )
    .addOption(
      new Option(
        '--health-port <port>',
        'serve GET /health (503 while the trainer cannot train, with the reasons) and GET /metrics on 127.0.0.1:<port>',
      ).argParser(port),
    )
    .addHelpText(
      'after',
      `
Reads KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL (follows the active feature version; also
how a separate \`recostream api\` reaches this trainer), CLICKHOUSE_URL (unset: the embedded chDB
in DATA_DIR/clickhouse, which this process then owns, running the ClickHouse sink too), DATA_DIR
(models in DATA_DIR/models) and the TRAIN_* variables. \`recostream up\` runs the trainer itself.

--health-port answers 200 while the trainer can train: Kafka, the schema registry, ClickHouse and
Redis answer, a ClickHouse sink consumes, and the active version's feature topics are tailed; 503
otherwise, with every reason. A run that fails to start (its inputs unreadable) keeps it 503 until
all of them answer again; a ClickHouse sink running in this process counts too.
Policies, snapshot, promotion: docs/TRAINING.md; health and metrics: docs/OPERATIONS.md.`,
    )
    .action(
      async (raw: {
        minChanged?: number;
        minInterval?: number;
        maxInterval?: number;
        metric?: string;
        model?: string;
        protocol: string;
        folds: number;
        seed: number;
        sink: string;
        checkInterval: number;
        kafkaRetries: number;
        healthPort?: number;
      }) => {
        const { runTrainerCommand } = await import('../train/daemon.js');
        await runTrainerCommand(raw);
      },
    );
}
