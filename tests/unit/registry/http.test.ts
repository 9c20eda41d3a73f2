import { describe } from 'vitest';
import { MemoryRegistryLog, startRegistry } from '../../../embedded/registry/index.js';
import { registryHttpCases } from './http-cases.js';

describe('registry REST API on the in-memory log', () => {
  registryHttpCases(() => startRegistry({ port: 0, log: new MemoryRegistryLog() }));
});
