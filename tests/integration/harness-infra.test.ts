import { afterEach, describe, expect, it } from 'vitest';
import { dockerHost } from '../harness/containers.js';
import { startStack, type Stack } from '../harness/stack.js';

/**
 * TEST_INFRA selects what backs the harness's Stack: containers when asked for and a Docker
 * engine answers, the embedded parts otherwise. Either way a suite gets working addresses.
 */
describe('test infrastructure selection (TEST_INFRA)', () => {
  const before = process.env.TEST_INFRA;
  let stack: Stack | undefined;

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    if (before === undefined) delete process.env.TEST_INFRA;
    else process.env.TEST_INFRA = before;
  });

  it('uses the embedded parts by default', async () => {
    delete process.env.TEST_INFRA;
    stack = await startStack({ redis: true });
    expect(stack.infra).toBe('embedded');
    expect(stack.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(await stack.redis().ping()).toBe('PONG');
  });

  it('uses containers with TEST_INFRA=containers when Docker answers, else falls back to the embedded parts', async () => {
    process.env.TEST_INFRA = 'containers';
    const docker = await dockerHost();
    stack = await startStack({ redis: true });
    expect(stack.infra).toBe(docker === null ? 'embedded' : 'containers');
    expect(await stack.redis().ping()).toBe('PONG');
    expect(stack.env().REDIS_URL).toBe(stack.redisUrl);
  });
});
