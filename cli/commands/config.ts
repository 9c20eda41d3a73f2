import { Command } from 'commander';

export function configCommand(): Command {
  return new Command('config')
    .description('Validate the environment and print the effective configuration (secrets masked)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { parseConfig } = await import('../../lib/config.js');
      const config = parseConfig();
      const shown = {
        ...config,
        redisUrl: config.redisUrl ?? '(unset: embedded redis-server in DATA_DIR/redis)',
        clickhouseUrl: config.clickhouseUrl ?? '(unset: embedded chDB in DATA_DIR/clickhouse)',
        apiKey: config.apiKey ? '***' : '(unset: write routes are open)',
        apiReadKey: config.apiReadKey ? '***' : '(unset: read routes are open)',
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
        return;
      }
      for (const [key, value] of Object.entries(shown)) {
        process.stdout.write(`${key.padEnd(18)} ${Array.isArray(value) ? value.join(',') : String(value)}\n`);
      }
    });
}
