import { describe, expect, it } from 'vitest';
import { TRAINER_WIRED } from '../../../cli/up/trainer.js';

describe('recostream up: the trainer slot', () => {
  it('is wired exactly when training/ exports the daemon (startTrainer)', async () => {
    const training: Record<string, unknown> = await import('../../../training/index.js');
    const daemonExists = typeof training.startTrainer === 'function';
    // Fails when the daemon lands while cli/up/trainer.ts still starts nothing: wire it there.
    expect(TRAINER_WIRED).toBe(daemonExists);
  });
});
