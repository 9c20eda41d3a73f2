import { Command, InvalidArgumentError, Option } from 'commander';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

export function processCommand(): Command {
  return new Command('process')
    .description(
      'Run the feature processors: interactions -> user and item features in Redis and the feature topics',
    )
    .addArgument(
      new Command()
        .createArgument('[which]', 'which processor to run')
        .choices(['user-features', 'item-features', 'all'])
        .default('all'),
    )
    .addOption(new Option('--version <v>', 'feature version to compute (default: FEATURE_VERSION)'))
    .addOption(
      new Option('--concurrency <n>', 'partitions each processor works on at the same time')
        .argParser(positive)
        .default(2),
    )
    .addOption(
      new Option(
        '--session-timeout <ms>',
        'how long the group waits for a silent (dead) instance before moving its partitions',
      )
        .argParser(positive)
        .default(30_000),
    )
    .addOption(
      new Option(
        '--health-port <port>',
        'serve GET /health (503 while a processor cannot make progress) and GET /metrics on 127.0.0.1:<port>',
      ).argParser(port),
    )
    .addHelpText(
      'after',
      `
Each processor is a consumer group (recostream.<version>.<processor>): start more processes to
spread the partitions over them; a process that stops or dies hands its partitions to the others.
State and the last applied offset of each partition are written to Redis in one transaction, so a
restart continues exactly where the state left off. Needs REDIS_URL; stops cleanly on SIGINT/SIGTERM.`,
    )
    .action(
      async (
        which: 'user-features' | 'item-features' | 'all',
        opts: { version?: string; concurrency: number; sessionTimeout: number; healthPort?: number },
      ) => {
        const { runProcessCommand } = await import('../process/process.js');
        await runProcessCommand({
          which,
          version: opts.version,
          concurrency: opts.concurrency,
          sessionTimeoutMs: opts.sessionTimeout,
          healthPort: opts.healthPort,
        });
      },
    );
}
