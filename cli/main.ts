#!/usr/bin/env node
import cluster from 'node:cluster';
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import { reportFatal } from './fatal.js';

/**
 * The `recostream` command. Each subcommand lives in cli/commands/ and loads the heavy parts it
 * needs (kafkajs, chDB, Fastify, ...) inside its action, so `recostream --help` stays instant.
 */
const program = new Command('recostream')
  .description(
    'Stream-first (Kappa) feature pipeline for recommendation systems.\n' +
      'Configuration comes from environment variables (see `recostream config`).',
  )
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError()
  // `--version` after a subcommand is that command's option (process, reprocess --version v2), not ours.
  .enablePositionalOptions()
  .configureHelp({ sortSubcommands: false });

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  reportFatal(err);
  // A cluster worker (`recostream api --workers`) is kept alive by its IPC channel: it ends itself
  // so that the primary sees the failure.
  if (cluster.isWorker) process.exit();
});
