import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.js';
import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { MESSAGES, type RequestOf, type ResponseOf } from '../protocol/messages.js';
import type { Codec } from '../protocol/schema.js';
import { encodeBatch } from '../records/index.js';
import { FrameSplitter } from '../wire/frame.js';
import { frame, writeRequestHeader } from '../wire/header.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { startBroker, type RunningBroker } from './broker.js';

/** A bare Kafka client over one socket: sends requests, collects response frames in arrival order. */
class RawClient {
  private readonly splitter = new FrameSplitter();
  private readonly frames: Buffer[] = [];
  private readonly waiters: (() => void)[] = [];
  private nextCorrelationId = 1;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.splitter.push(chunk));
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    return new RawClient(socket);
  }

  send<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestOf<K>): number {
    const correlationId = this.nextCorrelationId++;
    const w = new Writer();
    writeRequestHeader(w, { apiKey, apiVersion, correlationId, clientId: 'raw' }, false);
    (MESSAGES[apiKey].request as unknown as Codec<RequestOf<K>>).write(w, body, apiVersion);
    this.sendBytes(Buffer.concat(frame(w.chunksOut())));
    return correlationId;
  }

  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame: its correlation id and a reader positioned at the body. */
  async next(): Promise<{ correlationId: number; body: Reader }> {
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const f = this.frames.shift()!;
    const r = new Reader(f);
    return { correlationId: r.i32(), body: r };
  }

  async response<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    correlationId: number,
  ): Promise<ResponseOf<K>> {
    const res = await this.next();
    expect(res.correlationId).toBe(correlationId);
    return (MESSAGES[apiKey].response as unknown as Codec<ResponseOf<K>>).read(res.body, apiVersion);
  }

  close(): void {
    this.socket.destroy();
  }
}

function batchOf(values: string[]): Buffer {
  const now = Date.now();
  return encodeBatch({
    baseOffset: 0,
    attributes: 0,
    lastOffsetDelta: values.length - 1,
    baseTimestamp: now,
    maxTimestamp: now,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    partitionLeaderEpoch: -1,
    records: values.map((v, i) => ({
      offsetDelta: i,
      timestampDelta: 0,
      attributes: 0,
      key: null,
      value: Buffer.from(v),
      headers: [],
    })),
  });
}

const produce = (topic: string, values: string[], acks = -1): RequestOf<typeof ApiKey.Produce> => ({
  transactionalId: null,
  acks,
  timeoutMs: 1000,
  topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf(values) }] }],
});

const fetchAt = (
  topic: string,
  offset: number,
  maxWaitMs: number,
  partitionMaxBytes = 1 << 20,
): RequestOf<typeof ApiKey.Fetch> => ({
  replicaId: -1,
  maxWaitMs,
  minBytes: 1,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [
    {
      topic,
      partitions: [
        { partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes },
      ],
    },
  ],
  forgottenTopicsData: [],
  rackId: '',
});

const metadata = (topics: string[] | null): RequestOf<typeof ApiKey.Metadata> => ({
  topics: topics === null ? null : topics.map((name) => ({ name })),
  allowAutoTopicCreation: true,
});

describe('broker server over TCP', () => {
  let dataDir: string;
  let broker: RunningBroker;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'server-test-'));
    broker = await startBroker({ port: 0, dataDir, logger: silentLogger });
  });

  afterAll(async () => {
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("answers librdkafka's ApiVersions v3 with the v0 fallback and keeps the connection open", async () => {
    const c = await RawClient.open(broker.port);
    const v3 = readFileSync(
      join(import.meta.dirname, '../../../tests/fixtures/kafka/kcat/api-versions-v3.bin'),
    );
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(v3.length);
    c.sendBytes(Buffer.concat([prefix, v3]));
    const fallback = await c.next();
    expect(fallback.correlationId).toBe(v3.readInt32BE(4));
    expect(MESSAGES[ApiKey.ApiVersions].response.read(fallback.body, 0)).toEqual({
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }],
      throttleTimeMs: 0,
    });
    const id = c.send(ApiKey.ApiVersions, 0, {});
    const res = await c.response(ApiKey.ApiVersions, 0, id);
    expect(res.errorCode).toBe(0);
    expect(res.apiKeys.find((a) => a.apiKey === ApiKey.Fetch)).toEqual({
      apiKey: 1,
      minVersion: 4,
      maxVersion: 11,
    });
    c.close();
  });

  it('sends no response to acks=0 and answers the next request in order', async () => {
    const c = await RawClient.open(broker.port);
    c.send(ApiKey.Produce, 7, produce('acks0', ['x'], 0));
    const md = c.send(ApiKey.Metadata, 1, metadata(['acks0']));
    const res = await c.response(ApiKey.Metadata, 1, md);
    expect(res.topics[0]).toMatchObject({ name: 'acks0', errorCode: 0 });
    c.close();
  });

  it('auto-creates topics from Metadata v1, not from v4+ when the client says no', async () => {
    const c = await RawClient.open(broker.port);
    const no = c.send(ApiKey.Metadata, 4, {
      topics: [{ name: 'not-created' }],
      allowAutoTopicCreation: false,
    });
    expect((await c.response(ApiKey.Metadata, 4, no)).topics[0]!.errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    const bad = c.send(ApiKey.Metadata, 1, metadata(['bad/name']));
    expect((await c.response(ApiKey.Metadata, 1, bad)).topics[0]!.errorCode).toBe(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
    );
    const yes = c.send(ApiKey.Metadata, 1, metadata(['created']));
    const res = await c.response(ApiKey.Metadata, 1, yes);
    expect(res.topics[0]).toMatchObject({
      errorCode: 0,
      name: 'created',
      partitions: [{ partitionIndex: 0, leaderId: 0, replicaNodes: [0], isrNodes: [0] }],
    });
    expect(res.controllerId).toBe(0);
    expect(res.brokers).toEqual([{ nodeId: 0, host: broker.host, port: broker.port, rack: null }]);
    c.close();
  });

  /** Produce never creates topics (as in Kafka): Metadata does. */
  async function createTopic(c: RawClient, topic: string): Promise<void> {
    const id = c.send(ApiKey.Metadata, 1, metadata([topic]));
    expect((await c.response(ApiKey.Metadata, 1, id)).topics[0]!.errorCode).toBe(0);
  }

  it('parks a Fetch at the log end until an append, delaying only its own connection', async () => {
    const setup = await RawClient.open(broker.port);
    const missing = setup.send(ApiKey.Produce, 7, produce('longpoll', ['a']));
    expect(
      (await setup.response(ApiKey.Produce, 7, missing)).responses[0]!.partitionResponses[0]!.errorCode,
    ).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await createTopic(setup, 'longpoll');
    const p0 = setup.send(ApiKey.Produce, 7, produce('longpoll', ['a']));
    expect((await setup.response(ApiKey.Produce, 7, p0)).responses[0]!.partitionResponses[0]).toMatchObject({
      errorCode: 0,
      baseOffset: 0,
    });

    const poller = await RawClient.open(broker.port);
    const f = poller.send(ApiKey.Fetch, 11, fetchAt('longpoll', 1, 60_000));
    const behind = poller.send(ApiKey.Metadata, 1, metadata(['longpoll']));
    // Other connections are not held up by the parked fetch.
    const other = setup.send(ApiKey.Metadata, 1, metadata(['longpoll']));
    expect((await setup.response(ApiKey.Metadata, 1, other)).topics[0]!.errorCode).toBe(0);
    const p1 = setup.send(ApiKey.Produce, 7, produce('longpoll', ['b', 'c']));
    await setup.response(ApiKey.Produce, 7, p1);

    const fetched = await poller.response(ApiKey.Fetch, 11, f);
    const part = fetched.responses[0]!.partitions[0]!;
    expect(part).toMatchObject({
      errorCode: 0,
      highWatermark: 3,
      lastStableOffset: 3,
      logStartOffset: 0,
      preferredReadReplica: -1,
    });
    expect(part.records!.readBigInt64BE(0)).toBe(1n);
    // Strict order on the poller's connection: the Metadata queued behind the fetch comes after it.
    expect((await poller.response(ApiKey.Metadata, 1, behind)).topics[0]!.name).toBe('longpoll');
    setup.close();
    poller.close();
  });

  it('answers a Fetch with nothing to return once max_wait has passed', async () => {
    const c = await RawClient.open(broker.port);
    const f = c.send(ApiKey.Fetch, 4, fetchAt('created', 0, 50));
    const res = await c.response(ApiKey.Fetch, 4, f);
    expect(res.responses[0]!.partitions[0]).toMatchObject({
      errorCode: 0,
      highWatermark: 0,
      records: Buffer.alloc(0),
    });
    c.close();
  });

  it('returns OFFSET_OUT_OF_RANGE past the log end, and a whole first batch above the byte limits (KIP-74)', async () => {
    const c = await RawClient.open(broker.port);
    await createTopic(c, 'limits');
    const p = c.send(ApiKey.Produce, 7, produce('limits', ['0123456789'.repeat(50)]));
    await c.response(ApiKey.Produce, 7, p);
    const beyond = c.send(ApiKey.Fetch, 11, fetchAt('limits', 5, 0));
    expect((await c.response(ApiKey.Fetch, 11, beyond)).responses[0]!.partitions[0]).toMatchObject({
      errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
      highWatermark: -1,
    });
    const tiny = c.send(ApiKey.Fetch, 11, fetchAt('limits', 0, 0, 10));
    const records = (await c.response(ApiKey.Fetch, 11, tiny)).responses[0]!.partitions[0]!.records!;
    expect(records.length).toBeGreaterThan(500);
    const unknown = c.send(ApiKey.Fetch, 11, fetchAt('no-such-topic', 0, 0));
    expect((await c.response(ApiKey.Fetch, 11, unknown)).responses[0]!.partitions[0]!.errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    c.close();
  });

  it('never answers JoinGroup below v4 with MEMBER_ID_REQUIRED', async () => {
    const c = await RawClient.open(broker.port);
    const join3 = c.send(ApiKey.JoinGroup, 3, {
      groupId: 'old-client',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from([0]) }],
    });
    const res = await c.response(ApiKey.JoinGroup, 3, join3);
    expect(res).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' });
    expect(res.leader).toBe(res.memberId);
    c.close();
  });

  it('answers CreateTopics with the error codes of Kafka', async () => {
    const c = await RawClient.open(broker.port);
    const topic = (
      name: string,
      over: Partial<RequestOf<typeof ApiKey.CreateTopics>['topics'][number]> = {},
    ) => ({
      name,
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [],
      configs: [],
      ...over,
    });
    const id = c.send(ApiKey.CreateTopics, 4, {
      topics: [
        topic('dup'),
        topic('dup'),
        topic('..'),
        topic('zero', { numPartitions: 0 }),
        topic('rf3', { replicationFactor: 3 }),
        topic('elsewhere', { assignments: [{ partitionIndex: 0, brokerIds: [7] }] }),
        topic('assigned', {
          assignments: [
            { partitionIndex: 1, brokerIds: [0] },
            { partitionIndex: 0, brokerIds: [0] },
          ],
        }),
        topic('badconfig', { configs: [{ name: 'cleanup.policy', value: 'shred' }] }),
        topic('dryrun-ok'),
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    const res = await c.response(ApiKey.CreateTopics, 4, id);
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['dup', ErrorCode.INVALID_REQUEST],
      ['dup', ErrorCode.INVALID_REQUEST],
      ['..', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['zero', ErrorCode.INVALID_PARTITIONS],
      ['rf3', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['elsewhere', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ['assigned', ErrorCode.NONE],
      ['badconfig', ErrorCode.INVALID_CONFIG],
      ['dryrun-ok', ErrorCode.NONE],
    ]);
    expect(res.topics.find((t) => t.name === 'badconfig')!.errorMessage).toContain('cleanup.policy');
    const again = c.send(ApiKey.CreateTopics, 1, {
      topics: [topic('assigned'), topic('only-validated')],
      timeoutMs: 1000,
      validateOnly: true,
    });
    expect((await c.response(ApiKey.CreateTopics, 1, again)).topics.map((t) => t.errorCode)).toEqual([
      ErrorCode.TOPIC_ALREADY_EXISTS,
      ErrorCode.NONE,
    ]);
    const md = c.send(ApiKey.Metadata, 4, {
      topics: [{ name: 'assigned' }, { name: 'only-validated' }],
      allowAutoTopicCreation: false,
    });
    const topics = (await c.response(ApiKey.Metadata, 4, md)).topics;
    expect(topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([
      ['assigned', 0, 2],
      ['only-validated', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0],
    ]);
    c.close();
  });

  it('refuses SASL: no mechanism is supported', async () => {
    const c = await RawClient.open(broker.port);
    const id = c.send(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    expect(await c.response(ApiKey.SaslHandshake, 1, id)).toEqual({
      errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      mechanisms: [],
    });
    const auth = c.send(ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from('x') });
    expect((await c.response(ApiKey.SaslAuthenticate, 1, auth)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    c.close();
  });

  it('closes a connection that sends an unsupported version, leaving others alone', async () => {
    const bad = await RawClient.open(broker.port);
    const good = await RawClient.open(broker.port);
    bad.send(ApiKey.Metadata, 9, metadata(null));
    await expect(bad.next()).rejects.toThrow('connection closed');
    const id = good.send(ApiKey.ApiVersions, 2, {});
    expect((await good.response(ApiKey.ApiVersions, 2, id)).errorCode).toBe(0);
    good.close();
  });
});
