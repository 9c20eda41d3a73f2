// Embedded-only: the subject is the embedded schema registry's own REST API (the same cases run
// in-memory in tests/unit/registry/http.test.ts); in containers mode the registry is Confluent's.
import { describe } from 'vitest';
import { startStack } from '../harness/stack.js';
import { registryHttpCases } from '../unit/registry/http-cases.js';

describe('registry REST API on the embedded broker', () => {
  registryHttpCases(async () => {
    const stack = await startStack({ broker: true, registry: true, embeddedOnly: true });
    return { url: stack.registryUrl!, close: () => stack.stop() };
  });
});
