import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';
import { entryPoint } from '../harness/entry-points.js';

const ROOT = path.join(import.meta.dirname, '../..');
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ broker: true, registry: true });
});
afterAll(async () => {
  await stack?.stop();
});

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [...entryPoint('cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...stack.env({ FEATURE_VERSION: 'v3', LOG_LEVEL: 'warn' }) },
  });
  return stdout;
}

describe('recostream topology', () => {
  it('apply prints what it changed, then that nothing changed; describe prints the topics', async () => {
    const first = await cli('topology', 'apply');
    expect(first).toContain('user-features.v3');
    expect(first).toContain('create-topic');
    expect(first).toContain('register-schema');
    expect(await cli('topology', 'apply')).toContain('No changes');

    const json = JSON.parse(await cli('topology', 'apply', '--json')) as { changes: unknown[] };
    expect(json.changes).toEqual([]);

    const table = await cli('topology', 'describe');
    for (const topic of ['interactions', 'item-features.v3', '_schemas']) expect(table).toContain(topic);
    const described = JSON.parse(await cli('topology', 'describe', '--json')) as {
      topics: { name: string; partitions: number; schemaVersions: number[] }[];
    };
    expect(described.topics.find((t) => t.name === 'interactions')).toMatchObject({
      partitions: 6,
      schemaVersions: [1],
    });
  });
});
