// Embedded-only: the subject is the embedded broker's compatibility with kafka-python; not the
// pipeline on top.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, startTestBroker, type TestBroker } from './helpers.js';

/**
 * kafka-python 2.0.2 (Debian python3-kafka). It infers the broker version from ApiVersions v0
 * (2.3 with our table) and then uses fixed versions: Metadata v0/v1, Produce v7, Fetch v4,
 * JoinGroup v2, OffsetCommit v2 ... Each script prints one JSON line.
 */
describe('kafka-python against the embedded broker', () => {
  let tb: TestBroker;

  beforeAll(async () => {
    tb = await startTestBroker();
  });

  afterAll(async () => {
    await tb.stop();
  });

  const run = async <T>(script: string): Promise<T> => {
    const { stdout } = await python(tb.broker.brokers, `import json, sys\n${script}`);
    return JSON.parse(stdout.trim().split('\n').pop()!) as T;
  };

  it('infers broker version 2.3 and creates topics with the admin client', async () => {
    const out = await run<{ version: number[]; errors: number[]; topics: string[] }>(`
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1])
res = admin.create_topics([NewTopic('py-admin', 3, 1, topic_configs={'cleanup.policy': 'compact'}), NewTopic('py-other', 1, 1)])
print(json.dumps({'version': list(admin.config['api_version']), 'errors': [e[1] for e in res.topic_errors], 'topics': sorted(admin.list_topics())}))
admin.close()
`);
    expect(out).toEqual({ version: [2, 3, 0], errors: [0, 0], topics: ['py-admin', 'py-other'] });
    const admin = tb.kafka().admin();
    await admin.connect();
    const { resources } = await admin.describeConfigs({
      resources: [{ type: 2, name: 'py-admin', configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    });
    expect(resources[0]!.configEntries[0]!.configValue).toBe('compact');
    await admin.disconnect();
  });

  it('produces with acks=all and reads back with kafkajs', async () => {
    const out = await run<{ offsets: number[] }>(`
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1], acks='all')
futures = [p.send('py-produce', key=b'k%d' % i, value=b'v%d' % i, headers=[('h', b'x')]) for i in range(20)]
p.flush()
print(json.dumps({'offsets': [f.get(timeout=10).offset for f in futures]}))
p.close()
`);
    expect(out.offsets).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const consumer = tb.kafka().consumer({ groupId: 'py-produce-reader', maxWaitTimeInMs: 100 });
    const got: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'py-produce', fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(`${message.key}=${message.value} ${message.headers?.h}`);
          if (got.length === 20) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}=v${i} x`));
  });

  it('consumes in a group of two, commits, and the admin client sees the group', async () => {
    const producer = tb.kafka().producer();
    await producer.connect();
    const admin = tb.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'py-group', numPartitions: 4 }] });
    await producer.send({
      topic: 'py-group',
      messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    await producer.disconnect();
    await admin.disconnect();
    // Two consumer processes (kafka-python joins inside poll(), so one thread cannot host two
    // members of one group): the second joining forces a rebalance of the first.
    const member = `
from kafka import KafkaConsumer
c = KafkaConsumer('py-group', bootstrap_servers=sys.argv[1], group_id='py-g', auto_offset_reset='earliest',
                  auto_commit_interval_ms=100, consumer_timeout_ms=4000)
values = [r.value.decode() for r in c]
c.close()
print(json.dumps({'values': values}))
`;
    const members = await Promise.all([run<{ values: string[] }>(member), run<{ values: string[] }>(member)]);
    const values = members.flatMap((m) => m.values);
    expect(new Set(values)).toEqual(new Set(Array.from({ length: 100 }, (_, i) => `v${i}`)));
    const out = await run<{ committed: number; groups: string[]; state: string }>(`
from kafka import KafkaAdminClient
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1])
committed = sum(o.offset for o in admin.list_consumer_group_offsets('py-g').values())
groups = sorted(g[0] for g in admin.list_consumer_groups())
state = admin.describe_consumer_groups(['py-g'])[0].state
admin.close()
print(json.dumps({'committed': committed, 'groups': groups, 'state': state}))
`);
    expect(out.committed).toBe(100);
    expect(out.groups).toContain('py-g');
    expect(out.state).toBe('Empty');
  });
});
