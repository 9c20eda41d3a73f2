import type { Command } from 'commander';
import { apiCommand } from './api.js';
import { brokerCommand } from './broker.js';
import { configCommand } from './config.js';
import { generateCommand } from './generate.js';
import { registryCommand } from './registry.js';
import { replayCommand } from './replay.js';
import { schemasCommand } from './schemas.js';
import { topologyCommand } from './topology.js';
import { sinkCommand } from './sink.js';
import { sqlCommand } from './sql.js';
import { processCommand } from './process.js';
import { reprocessCommand } from './reprocess.js';
import { versionsCommand } from './versions.js';
import { featuresCommand } from './features.js';
import { trainCommand, trainerCommand } from './train.js';
import { upCommand } from './up.js';

/** Only commands that work are registered here. */
export function registerCommands(program: Command): void {
  program.addCommand(upCommand());
  program.addCommand(schemasCommand());
  program.addCommand(configCommand());
  program.addCommand(brokerCommand());
  program.addCommand(registryCommand());
  program.addCommand(topologyCommand());
  program.addCommand(sinkCommand());
  program.addCommand(sqlCommand());
  program.addCommand(replayCommand());
  program.addCommand(generateCommand());
  program.addCommand(processCommand());
  program.addCommand(reprocessCommand());
  program.addCommand(versionsCommand());
  program.addCommand(featuresCommand());
  program.addCommand(apiCommand());
  program.addCommand(trainerCommand());
  program.addCommand(trainCommand());
}
