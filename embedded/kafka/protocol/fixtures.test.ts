import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRequestHeader } from '../wire/header.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { advertisedApi, ApiKey } from './api-keys.js';
import { MESSAGES, type RequestOf } from './messages.js';
import type { Codec } from './schema.js';

/**
 * Request frames captured from kafkajs 2.2.4, kcat (librdkafka 2.0.2) and kafka-python 2.0.2
 * by tests/fixtures/kafka/capture.ts: every codec must decode them exactly (no byte left over)
 * and re-encode them byte for byte.
 */
const root = join(import.meta.dirname, '../../../tests/fixtures/kafka');
const clients = ['kafkajs', 'kcat', 'kafka-python'] as const;

interface Fixture {
  client: string;
  file: string;
  apiKey: number;
  apiVersion: number;
  clientId: string | null;
  body: Buffer;
}

function load(client: string, file: string): Fixture {
  const frame = readFileSync(join(root, client, file));
  const r = new Reader(frame);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const flexible = apiVersion >= (advertisedApi(apiKey)?.flexibleFrom ?? Infinity);
  const header = readRequestHeader(r, flexible);
  return { client, file, apiKey, apiVersion, clientId: header.clientId, body: frame.subarray(r.offset) };
}

const fixtures = clients.flatMap((client) =>
  readdirSync(join(root, client)).map((file) => load(client, file)),
);

function decode<K extends ApiKey>(key: K, f: Fixture): RequestOf<K> {
  const codec = MESSAGES[key].request as unknown as Codec<RequestOf<K>>;
  return codec.read(new Reader(f.body), f.apiVersion);
}

function fixture(client: string, file: string): Fixture {
  const f = fixtures.find((x) => x.client === client && x.file === file);
  if (!f) throw new Error(`missing fixture ${client}/${file}`);
  return f;
}

describe('captured client requests', () => {
  it('covers the three clients and the versions of KAFKA-PROTOCOL.md §1', () => {
    const names = new Set(fixtures.map((f) => `${f.client}/${f.file}`));
    for (const expected of [
      'kafkajs/produce-v7.bin',
      'kafkajs/fetch-v11.bin',
      'kafkajs/join-group-v5.bin',
      'kafkajs/metadata-v6.bin',
      'kcat/api-versions-v3.bin',
      'kcat/metadata-v4.bin',
      'kcat/offset-commit-v7.bin',
      'kafka-python/fetch-v4.bin',
      'kafka-python/metadata-v0.bin',
      'kafka-python/join-group-v2.bin',
    ]) {
      expect(names).toContain(expected);
    }
  });

  for (const f of fixtures) {
    if (f.apiKey === ApiKey.ApiVersions && f.apiVersion >= 3) continue;
    it(`${f.client}/${f.file} decodes exactly and re-encodes byte for byte`, () => {
      const codec = MESSAGES[f.apiKey as ApiKey].request as unknown as Codec<unknown>;
      const r = new Reader(f.body);
      const decoded = codec.read(r, f.apiVersion);
      expect(r.remaining).toBe(0);
      const w = new Writer();
      codec.write(w, decoded, f.apiVersion);
      expect(w.toBuffer().equals(f.body)).toBe(true);
    });
  }

  it('librdkafka opens with a flexible ApiVersions v3 (header v2, compact strings)', () => {
    const f = fixture('kcat', 'api-versions-v3.bin');
    expect(f.clientId).toBe('rdkafka');
    const r = new Reader(f.body);
    const nameLength = r.uvarint() - 1;
    expect(r.raw(nameLength).toString()).toBe('librdkafka');
  });

  it('kafkajs produces with acks=-1, one gzip batch and an idempotent producer id', () => {
    const req = decode(ApiKey.Produce, fixture('kafkajs', 'produce-v7.bin'));
    expect(req).toMatchObject({ transactionalId: null, acks: -1 });
    const batch = req.topicData[0]!.partitionData[0]!.records!;
    expect(batch.readInt8(16)).toBe(2);
    expect(batch.readInt16BE(21) & 0x07).toBe(1);
    expect(batch.readBigInt64BE(43)).toBeGreaterThanOrEqual(0n);
  });

  it('kafkajs fetches at v11 with READ_COMMITTED and no fetch session', () => {
    const req = decode(ApiKey.Fetch, fixture('kafkajs', 'fetch-v11.bin'));
    expect(req).toMatchObject({
      replicaId: -1,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      forgottenTopicsData: [],
    });
    expect(req.topics[0]!.topic).toBe('cap-js');
  });

  it('kafkajs joins with v5, no group instance id, and the RoundRobin protocol', () => {
    const req = decode(ApiKey.JoinGroup, fixture('kafkajs', 'join-group-v5.bin'));
    expect(req).toMatchObject({
      groupId: 'cap-js-group',
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
    });
    expect(req.protocols.map((p) => p.name)).toEqual(['RoundRobinAssigner']);
  });

  it('kafkajs asks Metadata v6 with a null-or-named topic list and auto-create', () => {
    const req = decode(ApiKey.Metadata, fixture('kafkajs', 'metadata-v6.bin'));
    expect(typeof req.allowAutoTopicCreation).toBe('boolean');
  });

  it('librdkafka commits with v7 (leader epoch, group instance id)', () => {
    const req = decode(ApiKey.OffsetCommit, fixture('kcat', 'offset-commit-v7.bin'));
    expect(req.groupId).toBe('cap-kcat-group');
    expect(req.groupInstanceId).toBeNull();
    expect(req.generationId).toBeGreaterThan(0);
  });

  it('librdkafka joins offering range and roundrobin', () => {
    const req = decode(ApiKey.JoinGroup, fixture('kcat', 'join-group-v5.bin'));
    expect(req.protocols.map((p) => p.name)).toEqual(['range', 'roundrobin']);
    expect(req.rebalanceTimeoutMs).toBe(300000);
  });

  it('kafka-python starts with Metadata v0 for all topics and fetches at v4', () => {
    expect(decode(ApiKey.Metadata, fixture('kafka-python', 'metadata-v0.bin')).topics).toEqual([]);
    const fetch = decode(ApiKey.Fetch, fixture('kafka-python', 'fetch-v4.bin'));
    expect(fetch.topics[0]!.topic).toBe('cap-py');
    expect(fetch.sessionId).toBe(0);
  });

  it('kafka-python joins with v2 and a 10 s session', () => {
    const req = decode(ApiKey.JoinGroup, fixture('kafka-python', 'join-group-v2.bin'));
    expect(req).toMatchObject({ groupId: 'cap-py-group', sessionTimeoutMs: 10000, groupInstanceId: null });
  });

  it('kafka-python commits with v2 (retention time, no leader epoch)', () => {
    const req = decode(ApiKey.OffsetCommit, fixture('kafka-python', 'offset-commit-v2.bin'));
    expect(req.retentionTimeMs).toBe(-1);
    expect(req.topics[0]!.partitions[0]!.committedLeaderEpoch).toBe(-1);
  });

  it('kafkajs sends CreateTopics v3 with -1 replication factor and its configs', () => {
    const req = decode(ApiKey.CreateTopics, fixture('kafkajs', 'create-topics-v3.bin'));
    expect(req.topics[0]).toMatchObject({
      name: 'cap-js',
      numPartitions: 2,
      replicationFactor: -1,
      configs: [{ name: 'cleanup.policy', value: 'compact' }],
    });
  });
});
