import type { Command } from 'commander';
import { configCommand } from './config.js';
import { registryCommand } from './registry.js';
import { schemasCommand } from './schemas.js';
import { sinkCommand } from './sink.js';
import { sqlCommand } from './sql.js';

/** Only commands that work are registered here. */
export function registerCommands(program: Command): void {
  program.addCommand(schemasCommand());
  program.addCommand(configCommand());
  program.addCommand(registryCommand());
  program.addCommand(sinkCommand());
  program.addCommand(sqlCommand());
}
