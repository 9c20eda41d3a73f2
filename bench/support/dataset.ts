import path from 'node:path';
import { generateDataset, type GenerateResult } from '../../replay/generate/index.js';

/**
 * The generated data set the replay and pipeline benchmarks share: seeded, with users and items
 * scaling with the interactions (20 and 50 interactions each), written to `<dir>/data`.
 */
export function benchDataset(interactions: number, dir: string): Promise<GenerateResult> {
  return generateDataset({
    users: Math.max(100, Math.round(interactions / 20)),
    items: Math.max(100, Math.round(interactions / 50)),
    interactions,
    outDir: path.join(dir, 'data'),
    seed: 1,
  });
}
