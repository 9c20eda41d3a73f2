import { Command } from 'commander';

export function schemasCommand(): Command {
  const cmd = new Command('schemas').description('List the Avro schemas or print one');
  cmd
    .command('list')
    .description('List the Avro records with their field counts')
    .action(async () => {
      const { RECORD_NAMES, fieldNames } = await import('../../schemas/avro.js');
      for (const name of RECORD_NAMES)
        process.stdout.write(`${name.padEnd(14)} ${fieldNames(name).length} fields\n`);
    });
  cmd
    .command('show')
    .description('Print the Avro schema (.avsc) of a record')
    .argument('<name>', 'Interaction, Item, User, UserFeatures, ItemFeatures, TrainingRun or DeadLetter')
    .action(async (name: string) => {
      const { RECORD_NAMES, avroSchema } = await import('../../schemas/avro.js');
      const match = RECORD_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
      if (!match) throw new Error(`unknown schema "${name}" (expected one of ${RECORD_NAMES.join(', ')})`);
      process.stdout.write(JSON.stringify(avroSchema(match), null, 2) + '\n');
    });
  return cmd;
}
