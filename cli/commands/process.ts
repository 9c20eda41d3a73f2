import { Command, Option } from 'commander';
import { port, positiveInteger } from './option-parsers.js';

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
        .argParser(positiveInteger)
        .default(2),
    )
    .addOption(
      new Option(
        '--session-timeout <ms>',
        'how long the group waits for a silent (dead) instance before moving its partitions',
      )
        .argParser(positiveInteger)
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
