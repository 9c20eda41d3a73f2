import { Command, InvalidArgumentError, Option } from 'commander';

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function score(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100)
    throw new InvalidArgumentError('must be a number from 0 to 100');
  return n;
}

interface ReplayCliOptions {
  map?: string;
  format?: 'csv' | 'json' | 'ndjson';
  delimiter?: string;
  name?: string;
  rate?: number;
  batchSize?: number;
  dryRun?: boolean;
  report?: string;
  minQuality?: number;
  force?: boolean;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description(
      'Replay a historical file (CSV, JSON array or NDJSON; .gz too) into its topic: every row validated, ' +
        'rejected rows to dead-letters with their line, a quality report, a manifest per file',
    )
    .argument('<kind>', 'what the file holds: interactions, items or users')
    .argument('<file>', 'the file to replay ("-" reads standard input; give --name)')
    .option('--map <src=dest,...>', 'map input columns onto fields, e.g. userId=user_id,movieId=item_id')
    .addOption(
      new Option('--format <format>', 'input format (default: from the name and content)').choices([
        'csv',
        'json',
        'ndjson',
      ]),
    )
    .option('--delimiter <char>', 'CSV delimiter: , ; | or tab (default: detected from the header)')
    .option('--name <name>', "file name for events' source replay:<name> (default: the file's base name)")
    .option('--rate <n>', 'cap on events per second (a live-like replay)', positiveNumber('--rate'))
    .option('--batch-size <n>', 'records per produce request (default 5000)', positiveNumber('--batch-size'))
    .option('--dry-run', 'validate and report without producing anything (no broker needed)')
    .option('--report <file>', 'also write the quality report as JSON to this file')
    .option(
      '--min-quality <q>',
      'validate the whole file first; produce nothing and exit 2 if its quality score is below q (0-100)',
      score,
    )
    .option('--force', 'replay a file whose content was replayed before')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 failed, 2 below --min-quality, 3 already replayed (see --force), 130 interrupted.\n' +
        'Quality score and options: docs/REPLAY.md. Ctrl-C stops after flushing what was read.',
    )
    .action(async (kind: string, file: string, opts: ReplayCliOptions) => {
      const { runReplayCommand } = await import('./replay-run.js');
      process.exitCode = await runReplayCommand(kind, file, opts);
    });
}

export type { ReplayCliOptions };
