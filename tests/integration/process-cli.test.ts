import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../embedded/redis/launcher.js';
import { createTopics, produceInteractions, waitUntil } from '../harness/kafka-io.js';
import { spawnCli, type ChildHandle } from '../harness/processes.js';
import { interaction } from '../harness/records.js';
import { startStack, type Stack } from '../harness/stack.js';

/**
 * `recostream process --health-port`: what a container healthcheck and a metrics scraper ask a
 * processor service that has no API of its own (docker-compose.yml's processor replicas).
 */
describe('recostream process --health-port', () => {
  let stack: Stack | undefined;
  let child: ChildHandle | undefined;

  afterEach(async () => {
    await child?.kill('SIGTERM');
    child = undefined;
    await stack?.stop();
    stack = undefined;
  });

  it('answers 200 while the processors can work, 503 while Redis is gone, and serves their metrics', async () => {
    stack = await startStack({ redis: true, broker: true, registry: true });
    await createTopics(stack.kafka());
    const port = await freePort();
    child = spawnCli(['process', 'all', '--health-port', String(port)], stack.env());
    const running = child;
    const health = async () => {
      if (running.child.exitCode !== null) throw new Error(`recostream process exited:\n${running.output()}`);
      const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
      return res && { status: res.status, body: (await res.json()) as { components: { name: string }[] } };
    };

    let last: Awaited<ReturnType<typeof health>> = null;
    await waitUntil(async () => {
      last = await health();
      return last?.status === 200 && last.body.components.length === 2;
    }, 'the processors to report healthy');
    expect(last!.body.components.map((c) => c.name).sort()).toEqual([
      'processor:item-features:v1',
      'processor:user-features:v1',
    ]);

    await produceInteractions(stack.kafka(), stack.serde(), [interaction(1), interaction(2)]);
    await waitUntil(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /recostream_events_processed_total\{[^}]*processor="item-features"[^}]*\} 2\b/.test(text);
    }, 'the events to show in the metrics');

    await stack.stopRedis();
    await waitUntil(async () => {
      last = await health();
      return last?.status === 503;
    }, 'the processors to report Redis unreachable');
    expect(JSON.stringify(last!.body)).toContain('redis unreachable');

    await stack.restartRedis();
    await waitUntil(async () => (await health())?.status === 200, 'health back to 200');
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });
});
