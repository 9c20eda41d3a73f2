import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../../../cli/commands/index.js';
import { CONFIG_VARIABLES } from '../../../lib/config.js';

/** The README is the first thing a new user runs: its commands and tables must match the code. */

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function section(title: string): string {
  const start = README.indexOf(`## ${title}\n`);
  expect(start, `README has a "${title}" section`).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The commands of the first ```sh block of the quick start, without their comments. */
function quickStart(): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(section('Quick start'))![1]!;
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

describe('README.md', () => {
  it('quick start: one command runs the pipeline (npm start = recostream up --demo), one the tests', () => {
    const commands = quickStart();
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/npm start$/);
    expect(commands[1]).toMatch(/npm test$/);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toBe('node dist/cli/main.js up --demo');
  });

  it('is what CI runs: .ci/run ends with the README test command', () => {
    const ci = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ci.at(-1)).toBe(quickStart()[1]);
  });

  it('documents every configuration variable', () => {
    const table = section('Configuration');
    for (const variable of CONFIG_VARIABLES) expect(table, variable).toContain(`| \`${variable}\` |`);
  });

  it('lists every registered command in the command line reference', () => {
    const program = new Command('recostream');
    registerCommands(program);
    const table = section('Command line');
    for (const command of program.commands.map((c) => c.name())) {
      expect(table, command).toMatch(new RegExp(`\\| \`${command}[ \`]`));
    }
  });
});
