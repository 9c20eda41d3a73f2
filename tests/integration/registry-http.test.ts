import { describe } from 'vitest';
import { registryHttpCases } from '../support/registry-http-cases.js';
import { startEmbedded } from '../support/embedded.js';

describe('registry REST API on the embedded broker', () => {
  registryHttpCases(async () => {
    const stack = await startEmbedded();
    return { url: stack.registry.url, close: () => stack.close() };
  });
});
