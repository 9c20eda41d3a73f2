import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QualityReport } from '../../replay/index.js';
import { createTopics, endOffsetTotal } from '../harness/kafka-io.js';
import { spawnCli } from '../harness/processes.js';
import { startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let kafka: Kafka;
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startStack({ broker: true, registry: true });
  kafka = stack.kafka('replay-cli-test');
  await createTopics(kafka);
  work = path.join(stack.dataDir, 'replay-cli');
  await mkdir(work);
  env = stack.env({ LOG_LEVEL: 'info' });
});

afterAll(async () => {
  await stack?.stop();
});

async function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawnCli(args, env);
  const { code } = await child.exited;
  return { code, output: child.output() };
}

async function report(file: string): Promise<QualityReport> {
  return JSON.parse(await readFile(file, 'utf8')) as QualityReport;
}

describe('recostream generate and replay (the commands)', () => {
  it('generates the same bytes twice, then replays them with exit codes 0, 3 and 2', async () => {
    const a = path.join(work, 'a');
    const b = path.join(work, 'b');
    const args = [
      '--users',
      '50',
      '--items',
      '40',
      '--interactions',
      '3000',
      '--seed',
      '5',
      '--dirty',
      '0.2',
    ];
    expect((await run(['generate', ...args, '--out', a])).code).toBe(0);
    expect((await run(['generate', ...args, '--out', b])).code).toBe(0);
    expect(await readFile(path.join(a, 'interactions.csv'))).toEqual(
      await readFile(path.join(b, 'interactions.csv')),
    );

    const file = path.join(a, 'interactions.csv');
    // Dirty at 20%: the score is below 95, so nothing is produced.
    const before = await endOffsetTotal(kafka, 'interactions');
    const gate = await run([
      'replay',
      'interactions',
      file,
      '--min-quality',
      '95',
      '--report',
      path.join(work, 'gate.json'),
    ]);
    expect(gate.code, gate.output).toBe(2);
    expect(gate.output).toMatch(/below --min-quality 95; nothing was produced/);
    expect((await report(path.join(work, 'gate.json'))).status).toBe('below_min_quality');
    expect(await endOffsetTotal(kafka, 'interactions')).toBe(before);

    const first = await run(['replay', 'interactions', file, '--report', path.join(work, 'first.json')]);
    expect(first.code, first.output).toBe(0);
    const r = await report(path.join(work, 'first.json'));
    expect(r.rows_read).toBe(3000);
    expect(r.rows_read).toBe(r.accepted + r.rejected + r.duplicates);
    expect(r.rejected).toBeGreaterThan(0);
    expect(r.produced).toBe(r.accepted);
    expect(r.dead_letters).toBe(r.rejected);
    expect(await endOffsetTotal(kafka, 'interactions')).toBe(before + r.accepted);

    const again = await run(['replay', 'interactions', file]);
    expect(again.code, again.output).toBe(3);
    expect(again.output).toMatch(/already replayed/);
  });

  it('stops cleanly on Ctrl-C (SIGINT), saying how far it got, with counts that add up', async () => {
    const dir = path.join(work, 'slow');
    expect(
      (await run(['generate', '--users', '20', '--items', '20', '--interactions', '5000', '--out', dir]))
        .code,
    ).toBe(0);
    const reportFile = path.join(work, 'interrupted.json');
    const child = spawnCli(
      [
        'replay',
        'interactions',
        path.join(dir, 'interactions.csv'),
        '--rate',
        '500',
        '--batch-size',
        '100',
        '--report',
        reportFile,
      ],
      env,
    );
    // Wait until it has produced something, then interrupt.
    const deadline = Date.now() + 60_000;
    while (!/"produced":[1-9]/.test(child.output()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.child.kill('SIGINT');
    const { code } = await child.exited;
    expect(code, child.output()).toBe(130);
    expect(child.output()).toMatch(/Interrupted after line \d+/);
    const r = await report(reportFile);
    expect(r.status).toBe('interrupted');
    expect(r.rows_read).toBeLessThan(5000);
    expect(r.rows_read).toBe(r.accepted + r.rejected + r.duplicates);
    expect(r.produced).toBe(r.accepted);
  });

  it('says a file is missing before connecting to anything, and writes its report', async () => {
    const reportFile = path.join(work, 'missing.report.json');
    const missing = path.join(work, 'no-such.csv');
    const child = spawnCli(['replay', 'interactions', missing, '--report', reportFile], {
      ...env,
      // Nothing listens here: had the command connected first, it would report Kafka instead.
      KAFKA_BROKERS: '127.0.0.1:1',
    });
    expect((await child.exited).code).not.toBe(0);
    expect(child.output()).toContain(`recostream: cannot read ${missing}: no such file`);
    expect(child.output()).not.toMatch(/Kafka/);
    const r = await report(reportFile);
    expect(r.produced).toBe(0);
  });

  it('prints accurate help without loading the heavy parts', async () => {
    const help = await run(['replay', '--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--map',
      '--rate',
      '--dry-run',
      '--report',
      '--min-quality',
      '--force',
      '--format',
      '--delimiter',
    ]) {
      expect(help.output).toContain(option);
    }
    const gen = await run(['generate', '--help']);
    for (const option of [
      '--users',
      '--items',
      '--interactions',
      '--out',
      '--seed',
      '--days',
      '--end',
      '--dirty',
    ]) {
      expect(gen.output).toContain(option);
    }
  });
});
