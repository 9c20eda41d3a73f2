import { Command, InvalidArgumentError } from 'commander';

function wholeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive whole number`);
    return n;
  };
}

interface GenerateCliOptions {
  users: number;
  items: number;
  interactions: number;
  out: string;
  seed?: number;
  days?: number;
  end?: string;
  dirty?: number;
}

export function generateCommand(): Command {
  return new Command('generate')
    .description(
      'Write synthetic items.csv, users.csv and interactions.csv: Zipf item popularity, skewed user ' +
        'activity, sessions with view -> click -> add_to_cart -> purchase funnels, some ratings; seeded and ' +
        'byte-for-byte deterministic',
    )
    .requiredOption('--users <n>', 'number of users', wholeNumber('--users'))
    .requiredOption('--items <n>', 'number of items', wholeNumber('--items'))
    .requiredOption('--interactions <n>', 'number of interaction rows', wholeNumber('--interactions'))
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option('--seed <s>', 'random seed (default 42)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new InvalidArgumentError('--seed must be a whole number');
      return n;
    })
    .option('--days <d>', 'interactions fall in the last d days of the window (default 90)', (v) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError('--days must be positive');
      return n;
    })
    .option(
      '--end <time>',
      'end of the window, ISO 8601 or "now" (default: 2025-01-01T00:00:00Z plus seed mod 365 days)',
    )
    .option('--dirty <fraction>', 'fraction of rows (0-1) replaced by realistic bad rows', (v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('--dirty must be between 0 and 1');
      return n;
    })
    .action(async (opts: GenerateCliOptions) => {
      const { generateDataset } = await import('../../replay/generate/index.js');
      let end: Date | undefined;
      if (opts.end !== undefined) {
        end = opts.end === 'now' ? new Date() : new Date(opts.end);
        if (Number.isNaN(end.getTime())) throw new Error(`--end "${opts.end}" is not an ISO 8601 time`);
      }
      const started = performance.now();
      const result = await generateDataset({
        users: opts.users,
        items: opts.items,
        interactions: opts.interactions,
        outDir: opts.out,
        seed: opts.seed,
        days: opts.days,
        end,
        dirty: opts.dirty,
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `wrote ${result.files.items} (${result.rows.items} rows), ${result.files.users} (${result.rows.users} rows), ` +
          `${result.files.interactions} (${result.rows.interactions} rows in ${result.sessions} sessions, ` +
          `${result.window.start} .. ${result.window.end}) with seed ${result.seed} in ${seconds} s\n`,
      );
    });
}
