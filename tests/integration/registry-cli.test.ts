// Embedded-only: the subject is `recostream registry`, the embedded schema registry as a process of
// its own; cluster mode runs Confluent's instead.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_READY_PREFIX } from '../../embedded/registry/run.js';
import { startStack, type Stack } from '../harness/stack.js';
import { entryPoint } from '../harness/entry-points.js';

const ROOT = path.join(import.meta.dirname, '../..');

describe('recostream registry', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ broker: true, embeddedOnly: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves the REST API against --kafka and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [...entryPoint('cli/main.ts'), 'registry', '--kafka', stack.brokers!, '--port', '0'],
      {
        cwd: ROOT,
        env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith(REGISTRY_READY_PREFIX)) resolve(line.slice(REGISTRY_READY_PREFIX.length).trim());
      });
      child.once('exit', (code) => reject(new Error(`registry exited with ${code} before it was ready`)));
    });
    const reply = await fetch(`${url}/subjects/cli-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: '"string"' }),
    });
    expect(await reply.json()).toEqual({ id: 1 });
    expect(await (await fetch(`${url}/subjects`)).json()).toEqual(['cli-value']);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
