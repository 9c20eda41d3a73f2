/**
 * Runs the batch oracle in a worker thread with a large stack: tests/oracle spreads every event
 * time of an entity into Math.min/Math.max, which overflows the default stack for the hottest
 * items of a million-event data set. Times the computation alone (not the message passing).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { computeFeatures, type CatalogEntry } from '../tests/oracle/batch-features.js';
import type { Interaction } from '../schemas/types.js';

const { interactions, catalog } = workerData as {
  interactions: Interaction[];
  catalog: [string, CatalogEntry][];
};
const started = performance.now();
const result = computeFeatures({ interactions, catalog: new Map(catalog) });
const seconds = (performance.now() - started) / 1000;
parentPort!.postMessage({ seconds, clock: result.clock, users: [...result.users], items: [...result.items] });
