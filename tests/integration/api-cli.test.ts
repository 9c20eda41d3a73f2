import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../embedded/redis/launcher.js';
import { ensureTopics } from '../../processors/topics.js';
import { readTopic } from '../harness/kafka-io.js';
import { spawnCli, type ChildHandle } from '../harness/processes.js';
import { startStack, type Stack } from '../harness/stack.js';

/** `recostream api` as a user runs it: configuration from the environment, a clean stop on SIGTERM. */
describe('recostream api', () => {
  let stack: Stack;
  let api: ChildHandle;
  let url: string;
  const key = 'cli-write-key-123';

  beforeAll(async () => {
    stack = await startStack({ redis: true, broker: true, registry: true });
    const admin = stack.kafka('api-cli-test').admin();
    await admin.connect();
    await ensureTopics(admin, 'v1');
    await admin.disconnect();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    api = spawnCli(['api', '--port', String(port)], stack.env({ API_KEY: key }));
    const deadline = Date.now() + 90_000;
    for (;;) {
      const up = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (api.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`recostream api did not start:\n${api.output()}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 150_000);

  afterAll(async () => {
    await api?.kill('SIGKILL');
    await stack?.stop();
  }, 60_000);

  it('is ready without ClickHouse, ingests with the key from API_KEY, and stops cleanly on SIGTERM', async () => {
    const ready = await fetch(`${url}/ready`);
    const body = (await ready.json()) as { status: string; dependencies: { name: string; status: string }[] };
    expect(ready.status).toBe(200);
    expect(Object.fromEntries(body.dependencies.map((d) => [d.name, d.status]))).toEqual({
      kafka: 'up',
      schema_registry: 'up',
      redis: 'up',
      clickhouse: 'down',
    });

    const event = {
      user_id: 'cli-user',
      item_id: 'cli-item',
      event_type: 'view',
      session_id: 'api-cli-test',
    };
    const refused = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(refused.status).toBe(401);
    const accepted = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(event),
    });
    expect(accepted.status).toBe(202);
    const stored = await readTopic(
      stack.kafka('api-cli-reader'),
      stack.serde(),
      'interactions',
      'Interaction',
    );
    expect(stored.some((m) => m.value.session_id === 'api-cli-test' && m.value.source === 'api')).toBe(true);

    const sql = await fetch(`${url}/v1/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'SELECT 1' }),
    });
    expect(sql.status).toBe(503);

    // No `recostream trainer` runs: the Redis-channel trainer client answers 503 at once.
    const training = await fetch(`${url}/v1/training/runs`, { headers: { authorization: `Bearer ${key}` } });
    expect(training.status).toBe(503);
    expect(((await training.json()) as { reason: string }).reason).toContain('no trainer is running');

    await api.kill('SIGTERM');
    expect((await api.exited).code).toBe(0);
  });
});
