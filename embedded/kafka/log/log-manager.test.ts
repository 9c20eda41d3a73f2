import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.js';
import { KafkaErrorCode, LogError } from './error-codes.js';
import { LogManager } from './log-manager.js';
import { clientBatch, consume, tempDir } from './test-support.js';
import { DEFAULT_TOPIC_CONFIG, describeTopicConfig, parseTopicConfigs } from './topic-config.js';

let dataDir: string;
let clock: number;
const managers: LogManager[] = [];
beforeEach(() => {
  dataDir = tempDir('log-manager-');
  clock = 1_700_000_000_000;
});
afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function open(): Promise<LogManager> {
  const manager = await LogManager.open({
    dataDir,
    flush: { mode: 'interval', ms: 50 },
    logger: silentLogger,
    now: () => clock,
  });
  managers.push(manager);
  return manager;
}

async function reopen(manager: LogManager): Promise<LogManager> {
  await manager.close();
  managers.splice(managers.indexOf(manager), 1);
  return open();
}

async function expectLogError(promise: Promise<unknown>, errorCode: number, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LogError);
  expect((error as LogError).errorCode).toBe(errorCode);
  if (message) expect((error as LogError).message).toMatch(message);
}

describe('topic configs', () => {
  it('parses wire values and normalises cleanup.policy', () => {
    const parsed = parseTopicConfigs([
      ['cleanup.policy', 'delete,compact'],
      ['retention.ms', '-1'],
      ['min.cleanable.dirty.ratio', '0.1'],
      ['message.timestamp.type', 'LogAppendTime'],
      ['segment.ms', null],
    ]);
    expect(parsed).toEqual({
      ok: true,
      overrides: {
        'cleanup.policy': 'compact,delete',
        'retention.ms': -1,
        'min.cleanable.dirty.ratio': 0.1,
        'message.timestamp.type': 'LogAppendTime',
      },
    });
  });

  it.each([
    [['unknown.config', '1'], /Unknown topic config name: unknown.config/],
    [['retention.ms', 'soon'], /retention.ms: not an integer/],
    [['segment.bytes', '10'], /segment.bytes: must be between 14/],
    [['min.cleanable.dirty.ratio', '2'], /must be between 0 and 1/],
    [['cleanup.policy', 'forever'], /cleanup.policy/],
    [['compression.type', 'brotli'], /compression.type/],
  ] as const)('refuses %j with INVALID_CONFIG', (entry, message) => {
    const parsed = parseTopicConfigs([entry]);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.errorCode).toBe(KafkaErrorCode.invalidConfig);
      expect(parsed.message).toMatch(message);
    }
  });

  it('describes every config with its source', () => {
    const described = describeTopicConfig({ 'retention.ms': 5 });
    expect(described).toHaveLength(Object.keys(DEFAULT_TOPIC_CONFIG).length);
    expect(described.find((c) => c.name === 'retention.ms')).toEqual({
      name: 'retention.ms',
      value: '5',
      isDefault: false,
    });
    expect(described.find((c) => c.name === 'segment.bytes')).toEqual({
      name: 'segment.bytes',
      value: '1073741824',
      isDefault: true,
    });
  });
});

describe('LogManager', () => {
  it('creates topics that survive a restart with their configs and data', async () => {
    const manager = await open();
    await manager.createTopic('events', 3, { 'retention.ms': -1 });
    await manager.createTopic('_schemas', 1, { 'cleanup.policy': 'compact' });
    manager.partition('events', 2)?.append(clientBatch([{ key: 'a', value: 'b' }]), clock);
    const reopened = await reopen(manager);
    expect(reopened.topics()).toEqual(['_schemas', 'events']);
    expect(reopened.partitionCount('events')).toBe(3);
    expect(reopened.topicConfig('events')['retention.ms']).toBe(-1);
    expect(reopened.topicOverrides('_schemas')).toEqual({ 'cleanup.policy': 'compact' });
    expect(reopened.topicConfig('_schemas')['segment.bytes']).toBe(DEFAULT_TOPIC_CONFIG['segment.bytes']);
    expect(reopened.partition('events', 2)?.logEndOffset).toBe(1);
    expect(reopened.partition('events', 3)).toBeUndefined();
  });

  it('refuses bad topic creations with Kafka error codes', async () => {
    const manager = await open();
    await manager.createTopic('exists', 1);
    await expectLogError(manager.createTopic('exists', 1), KafkaErrorCode.topicAlreadyExists);
    await expectLogError(manager.createTopic('bad/name', 1), KafkaErrorCode.invalidTopic);
    await expectLogError(manager.createTopic('..', 1), KafkaErrorCode.invalidTopic);
    await expectLogError(manager.createTopic('x'.repeat(250), 1), KafkaErrorCode.invalidTopic);
    await expectLogError(manager.createTopic('zero', 0), KafkaErrorCode.invalidPartitions);
    await expectLogError(
      manager.createTopic('cfg', 1, { 'retention.ms': -5 }),
      KafkaErrorCode.invalidConfig,
      /retention.ms/,
    );
    expect(manager.validateTopicCreation('fine', 2)).toBeNull();
    expect(manager.topics()).toEqual(['exists']);
  });

  it('alters configs (replacing the overrides) and applies them at once', async () => {
    const manager = await open();
    await manager.createTopic('t', 1, { 'retention.ms': 1000, 'segment.bytes': 1000 });
    await manager.alterTopicConfig('t', { 'message.timestamp.type': 'LogAppendTime' });
    expect(manager.topicOverrides('t')).toEqual({ 'message.timestamp.type': 'LogAppendTime' });
    expect(
      manager.partition('t', 0)?.append(clientBatch([{ key: 'k', value: 'v' }]), 1234).logAppendTime,
    ).toBe(1234);
    await expectLogError(manager.alterTopicConfig('t', { 'segment.bytes': 1 }), KafkaErrorCode.invalidConfig);
    await expectLogError(manager.alterTopicConfig('missing', {}), KafkaErrorCode.unknownTopicOrPartition);
    const reopened = await reopen(manager);
    expect(reopened.topicConfig('t')['message.timestamp.type']).toBe('LogAppendTime');
    expect(reopened.topicConfig('t')['retention.ms']).toBe(DEFAULT_TOPIC_CONFIG['retention.ms']);
  });

  it('adds partitions but never removes them', async () => {
    const manager = await open();
    await manager.createTopic('t', 2);
    await manager.createPartitions('t', 5);
    expect(manager.partitionCount('t')).toBe(5);
    expect(manager.partition('t', 4)?.append(clientBatch([{ key: 'k', value: 'v' }]), clock).errorCode).toBe(
      0,
    );
    await expectLogError(manager.createPartitions('t', 5), KafkaErrorCode.invalidPartitions);
    expect((await reopen(manager)).partitionCount('t')).toBe(5);
  });

  it('deletes topics with their data', async () => {
    const manager = await open();
    await manager.createTopic('gone', 1);
    manager.partition('gone', 0)?.append(clientBatch([{ key: 'k', value: 'v' }]), clock);
    await manager.deleteTopic('gone');
    expect(manager.has('gone')).toBe(false);
    expect(fs.readdirSync(path.join(dataDir, 'topics'))).toEqual([]);
    await expectLogError(manager.deleteTopic('gone'), KafkaErrorCode.unknownTopicOrPartition);
    await manager.createTopic('gone', 1);
    expect(manager.partition('gone', 0)?.logEndOffset).toBe(0);
  });

  it('tells listeners about appends until they unsubscribe', async () => {
    const manager = await open();
    await manager.createTopic('t', 2);
    const seen: string[] = [];
    const unsubscribe = manager.onAppend((topic, partition) => seen.push(`${topic}/${partition}`));
    manager.partition('t', 1)?.append(clientBatch([{ key: 'k', value: 'v' }]), clock);
    manager.partition('t', 0)?.append(Buffer.alloc(10), clock);
    unsubscribe();
    manager.partition('t', 0)?.append(clientBatch([{ key: 'k', value: 'v' }]), clock);
    expect(seen).toEqual(['t/1']);
  });

  it('allocates producer ids that are unique across restarts', async () => {
    const manager = await open();
    const first = [manager.allocateProducerId(), manager.allocateProducerId()];
    const reopened = await reopen(manager);
    const next = reopened.allocateProducerId();
    expect(first[0]).not.toBe(first[1]);
    expect(next).toBeGreaterThan(Math.max(...first));
  });

  it('runs retention and the cleaner on demand, with the injected clock', async () => {
    const manager = await open();
    await manager.createTopic('short', 1, { 'retention.ms': 60_000, 'segment.bytes': 200 });
    await manager.createTopic('table', 1, { 'cleanup.policy': 'compact', 'segment.bytes': 200 });
    for (let i = 0; i < 10; i++) {
      manager
        .partition('short', 0)
        ?.append(clientBatch([{ key: `k${i}`, value: 'v'.repeat(100), timestamp: clock }]), clock);
      manager
        .partition('table', 0)
        ?.append(clientBatch([{ key: 'same', value: `v${i}`.padEnd(100), timestamp: clock }]), clock);
    }
    clock += 120_000;
    expect(manager.runRetention()).toBeGreaterThan(0);
    expect(manager.partition('short', 0)?.logStartOffset).toBe(10);
    const results = await manager.runCleaner();
    expect(results).toHaveLength(1);
    const table = manager.partition('table', 0);
    if (!table) throw new Error('table partition missing');
    // The active segment (holding v9) is never cleaned; below it only the latest value stays.
    expect(consume(table, 0).records.map((r) => r.value?.trim())).toEqual(['v8', 'v9']);
  });

  it('runs background tasks and stops them on close', async () => {
    const manager = await open();
    await manager.createTopic('t', 1);
    manager.startBackgroundTasks();
    manager.partition('t', 0)?.append(clientBatch([{ key: 'k', value: 'v' }]), clock);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await manager.close();
    expect(fs.existsSync(path.join(dataDir, 'topics', 't', '0', '.clean-shutdown'))).toBe(true);
  });

  it('refuses a data directory that another live process holds', async () => {
    const manager = await open();
    await manager.close();
    managers.pop();
    // A live process that is not this one (the parent of the test runner).
    fs.writeFileSync(path.join(dataDir, '.lock'), String(process.ppid));
    await expect(open()).rejects.toThrow(/in use by process/);
    // A lock left by a process that is gone is taken over.
    fs.writeFileSync(path.join(dataDir, '.lock'), '999999999');
    expect((await open()).topics()).toEqual([]);
  });
});
