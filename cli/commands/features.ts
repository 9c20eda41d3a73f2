import { Command, Option } from 'commander';

export function featuresCommand(): Command {
  const cmd = new Command('features').description(
    'Look up features in Redis, windowed values evaluated at the current pipeline clock (JSON)',
  );
  for (const kind of ['user', 'item'] as const) {
    cmd
      .command(kind)
      .description(
        `Features of one or more ${kind}s (null for an unknown id, with the reason on stderr; exit code 1 when none is known)`,
      )
      .argument('<id...>', `${kind} ids`)
      .addOption(new Option('--version <v>', 'feature version to read (default: the active one)'))
      .addOption(new Option('--fields <list>', 'only these comma-separated fields'))
      .action(async (ids: string[], opts: { version?: string; fields?: string }) => {
        const { lookUpFeatures } = await import('../process/features.js');
        await lookUpFeatures(kind, ids, opts);
      });
  }
  return cmd;
}
