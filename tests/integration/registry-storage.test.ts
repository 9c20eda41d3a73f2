// Embedded-only: the subject is the embedded registry's storage in the _schemas topic (what
// survives a restart of broker and registry on the same data dir, several registries on one
// broker); in containers mode the registry is Confluent's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Kafka } from 'kafkajs';
import { startRegistry, type RunningRegistry } from '../../embedded/registry/index.js';
import { harnessLogger, startStack, type Stack } from '../harness/stack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function post(url: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function get(url: string, path: string): Promise<unknown> {
  return (await fetch(url + path)).json();
}

const schema = (name: string, extra = 0) =>
  JSON.stringify({
    type: 'record',
    name,
    fields: [
      { name: 'id', type: 'string' },
      ...Array.from({ length: extra }, (_, i) => ({ name: `f${i}`, type: 'int', default: i })),
    ],
  });

/** What a client can see: every subject's versions with their ids and schemas. */
async function snapshot(url: string) {
  const out: Record<string, unknown[]> = {};
  for (const subject of (await get(url, '/subjects?deleted=true')) as string[]) {
    const versions = (await get(
      url,
      `/subjects/${encodeURIComponent(subject)}/versions?deleted=true`,
    )) as number[];
    out[subject] = [];
    for (const v of versions)
      out[subject].push(
        await get(url, `/subjects/${encodeURIComponent(subject)}/versions/${v}?deleted=true`),
      );
  }
  return out;
}

function startEmbedded(dataDir?: string): Promise<Stack> {
  return startStack({ broker: true, registry: true, embeddedOnly: true, dataDir });
}

async function started(): Promise<Stack> {
  const stack = await startEmbedded();
  cleanups.push(() => stack.stop());
  return stack;
}

describe('registry storage in the _schemas topic', () => {
  it('keeps ids and versions across a broker and registry restart on the same data dir', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'recostream-registry-storage-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await startEmbedded(dataDir);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const reply = await post(first.registryUrl!, `/subjects/s${i % 2}-value/versions`, {
        schema: schema('E', i),
      });
      expect(reply.status).toBe(200);
      ids.push((reply.body as { id: number }).id);
    }
    await fetch(`${first.registryUrl!}/subjects/s0-value/versions/1`, { method: 'DELETE' });
    await fetch(`${first.registryUrl!}/config/s1-value`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ compatibility: 'FULL' }),
    });
    const before = await snapshot(first.registryUrl!);
    await first.stop();

    const second = await startEmbedded(dataDir);
    cleanups.push(() => second.stop());
    expect(await snapshot(second.registryUrl!)).toEqual(before);
    for (const id of ids)
      expect(await get(second.registryUrl!, `/schemas/ids/${id}`)).toHaveProperty('schema');
    expect(await get(second.registryUrl!, '/config/s1-value')).toEqual({ compatibilityLevel: 'FULL' });
    // New ids continue after the old ones, and an old schema keeps its id.
    const again = await post(second.registryUrl!, '/subjects/s0-value/versions', { schema: schema('E', 2) });
    expect(again.body).toEqual({ id: ids[2] });
    const fresh = await post(second.registryUrl!, '/subjects/new-value/versions', { schema: schema('New') });
    expect((fresh.body as { id: number }).id).toBe(Math.max(...ids) + 1);
  });

  it('stores its records in a compacted one-partition topic', async () => {
    const stack = await started();
    await post(stack.registryUrl!, '/subjects/x-value/versions', { schema: schema('X') });
    const admin = new Kafka({ brokers: [stack.brokers!], logLevel: 0 }).admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: ['_schemas'] });
      expect(metadata.topics[0]!.partitions).toHaveLength(1);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: '_schemas', configNames: ['cleanup.policy'] }],
      });
      expect(
        configs.resources[0]!.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue,
      ).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  });

  it('two registries on one broker agree, also when they register at the same time', async () => {
    const stack = await started();
    const other: RunningRegistry = await startRegistry({
      port: 0,
      brokers: [stack.brokers!],
      logger: harnessLogger,
    });
    cleanups.push(() => other.close());
    const [a, b] = [stack.registryUrl!, other.url];

    // Written through one, visible through the other at once.
    const { id } = (await post(a, '/subjects/seen-value/versions', { schema: schema('Seen') })).body as {
      id: number;
    };
    expect(await get(b, '/subjects/seen-value/versions/latest')).toMatchObject({ id, version: 1 });
    expect(await get(b, `/schemas/ids/${id}`)).toEqual({ schema: schema('Seen') });

    // Racing: both register different schemas under one subject and new schemas elsewhere.
    await fetch(`${a}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ compatibility: 'NONE' }),
    });
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post(
          i % 2 ? a : b,
          i % 4 < 2 ? '/subjects/race-value/versions' : `/subjects/race-${i}-value/versions`,
          {
            schema: schema(`Race${i}`),
          },
        ),
      ),
    );
    for (const r of replies) expect(r.status).toBe(200);
    const raceIds = replies.map((r) => (r.body as { id: number }).id);
    expect(new Set(raceIds).size).toBe(8);
    const seenByA = await snapshot(a);
    expect(await snapshot(b)).toEqual(seenByA);
    expect((seenByA['race-value'] as unknown[]).length).toBe(4);

    // A third registry reading the topic from the start sees the same.
    const third = await startRegistry({ port: 0, brokers: [stack.brokers!], logger: harnessLogger });
    cleanups.push(() => third.close());
    expect(await snapshot(third.url)).toEqual(seenByA);
  });
});
