// Embedded-only: the subject is the embedded broker's compatibility with librdkafka (kcat); not
// the pipeline on top.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcat, startTestBroker, type TestBroker } from './helpers.js';

/** librdkafka 2.0.2 through kcat: ApiVersions v3 fallback, MsgVer2, idempotence, balanced consumer groups. */
describe('kcat (librdkafka) against the embedded broker', () => {
  let tb: TestBroker;
  let brokers: string;

  beforeAll(async () => {
    tb = await startTestBroker();
    brokers = tb.broker.brokers;
  });

  afterAll(async () => {
    await tb.stop();
  });

  it('lists metadata (-L) with the broker as controller', async () => {
    const admin = tb.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kc-meta', numPartitions: 3 }] });
    await admin.disconnect();
    const { stdout } = await kcat(brokers, ['-L', '-J']);
    const md = JSON.parse(stdout) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
    };
    expect(md.brokers).toEqual([{ id: 0, name: brokers }]);
    const topic = md.topics.find((t) => t.topic === 'kc-meta')!;
    expect(topic.partitions.map((p) => [p.partition, p.leader])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect((await kcat(brokers, ['-L'])).stdout).toContain(`broker 0 at ${brokers} (controller)`);
  });

  it('produces with keys (-P -K) and consumes from the beginning (-C -o beginning -e)', async () => {
    await kcat(brokers, ['-P', '-t', 'kc-keys', '-K', ':'], 'alice:1\nbob:2\nalice:3\n');
    const { stdout } = await kcat(brokers, [
      '-C',
      '-t',
      'kc-keys',
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%o %k=%s\\n',
    ]);
    expect(stdout.trim().split('\n')).toEqual(['0 alice=1', '1 bob=2', '2 alice=3']);
  });

  it('produces idempotently (enable.idempotence=true) and reads what kafkajs wrote', async () => {
    const input = Array.from({ length: 500 }, (_, i) => `k${i % 10}:value-${i}`).join('\n') + '\n';
    await kcat(
      brokers,
      ['-P', '-t', 'kc-idem', '-K', ':', '-X', 'enable.idempotence=true', '-X', 'linger.ms=5'],
      input,
    );
    const { stdout } = await kcat(brokers, [
      '-C',
      '-t',
      'kc-idem',
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%s\\n',
    ]);
    expect(stdout.trim().split('\n')).toEqual(Array.from({ length: 500 }, (_, i) => `value-${i}`));

    const producer = tb.kafka().producer();
    await producer.connect();
    await producer.send({
      topic: 'kc-idem',
      messages: [{ key: 'js', value: 'from-kafkajs', headers: { h: 'v' } }],
    });
    await producer.disconnect();
    const tail = await kcat(brokers, ['-C', '-t', 'kc-idem', '-o', '500', '-e', '-q', '-f', '%k=%s %h\\n']);
    expect(tail.stdout.trim()).toBe('js=from-kafkajs h=v');
  });

  it('consumes in a balanced group (-G), commits, and resumes from the commit', async () => {
    const admin = tb.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kc-group', numPartitions: 3 }] });
    const producer = tb.kafka().producer();
    await producer.connect();
    await producer.send({
      topic: 'kc-group',
      messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    const group = [
      '-G',
      'kc-g',
      '-X',
      'auto.offset.reset=earliest',
      '-X',
      'enable.auto.commit=true',
      '-X',
      'auto.commit.interval.ms=100',
      '-e',
      '-q',
      '-f',
      '%s\\n',
      'kc-group',
    ];
    const first = await kcat(brokers, group);
    expect(first.stdout.trim().split('\n').sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `v${i}`).sort(),
    );
    const offsets = await admin.fetchOffsets({ groupId: 'kc-g', topics: ['kc-group'] });
    expect(offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(30);

    await producer.send({ topic: 'kc-group', messages: [{ key: 'k-new', value: 'v-new' }] });
    const second = await kcat(brokers, group);
    expect(second.stdout.trim()).toBe('v-new');
    await producer.disconnect();
    await admin.disconnect();
  });
});
