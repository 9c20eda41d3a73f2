import { Command, InvalidArgumentError, Option } from 'commander';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

function versionName(value: string): string {
  if (!/^v[0-9]+[A-Za-z0-9_-]*$/.test(value))
    throw new InvalidArgumentError('must look like v2, v2-experiment');
  return value;
}

export function reprocessCommand(): Command {
  return new Command('reprocess')
    .description(
      'Recompute every feature from offset 0 of the raw topics into a new version while the active one keeps serving',
    )
    .addOption(
      new Option('--version <v>', 'the version to compute (e.g. v2)')
        .argParser(versionName)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--switch', 'point readers at the new version once it has caught up (lag 0)'))
    .addOption(
      new Option('--exit', 'stop once caught up (and switched) instead of keeping the new version current'),
    )
    .addOption(
      new Option('--concurrency <n>', 'partitions each processor works on at the same time')
        .argParser(positive)
        .default(2),
    )
    .addOption(new Option('--interval <ms>', 'how often to print the lag').argParser(positive).default(2000))
    .addHelpText(
      'after',
      `
Runs both processors of the new version under their own consumer groups, Redis keys
(rs:<version>:...) and feature topics (user-features.<version>, item-features.<version>), printing
the lag as it goes. The switch is one atomic write of the active-version pointer; \`recostream
versions\` lists versions, \`versions drop <v>\` deletes an old one. Interrupted, it resumes where it
stopped. Needs REDIS_URL.`,
    )
    .action(
      async (opts: {
        version: string;
        switch?: boolean;
        exit?: boolean;
        concurrency: number;
        interval: number;
      }) => {
        const { runReprocessCommand } = await import('../process/reprocess.js');
        const { logger } = await import('../../lib/logger.js');
        await runReprocessCommand({
          version: opts.version,
          switch: opts.switch ?? false,
          exit: opts.exit ?? false,
          concurrency: opts.concurrency,
          intervalMs: opts.interval,
        });
        // Exits explicitly, like `recostream process`: a kafkajs client left reconnecting to a
        // broker restarted under it must not keep the process alive once the work is done.
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
        process.exit();
      },
    );
}
