import { Command } from 'commander';

export function versionsCommand(): Command {
  const cmd = new Command('versions').description(
    'Feature versions in Redis: list them, switch readers, drop old ones',
  );
  cmd
    .command('list', { isDefault: true })
    .description("List the feature versions, which one is active, and each version's pipeline clock")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { listVersionsCommand } = await import('../process/versions.js');
      await listVersionsCommand(opts.json ?? false);
    });
  cmd
    .command('switch')
    .description(
      'Point readers at a version (one atomic write; use it to roll back after `reprocess --switch`)',
    )
    .argument('<version>', 'a version listed by `recostream versions`')
    .action(async (version: string) => {
      const { switchVersionCommand } = await import('../process/versions.js');
      await switchVersionCommand(version);
    });
  cmd
    .command('drop')
    .description(
      'Delete a version: its Redis keys, its feature topics and its consumer groups (never the active one)',
    )
    .argument('<version>', 'the version to delete')
    .action(async (version: string) => {
      const { dropVersionCommand } = await import('../process/versions.js');
      await dropVersionCommand(version);
    });
  return cmd;
}
