import { appendFile, cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataset, type InteractionRow } from '../../../training/dataset.js';
import { checksumArtifact, fitModel, type ModelKind } from '../../../training/models/index.js';
import { promotedModelSource } from '../../../training/serving/model-source.js';
import {
  modelsDir,
  readPromoted,
  writePromoted,
  type PromotedModel,
} from '../../../training/serving/promoted.js';

const T = Date.UTC(2024, 5, 1);
const rows: InteractionRow[] = [
  { user_id: 'u1', item_id: 'i1', event_type: 'purchase', rating: null, event_time: T },
  { user_id: 'u2', item_id: 'i1', event_type: 'view', rating: null, event_time: T },
  { user_id: 'u2', item_id: 'i2', event_type: 'click', rating: null, event_time: T },
  { user_id: 'u3', item_id: 'i3', event_type: 'view', rating: null, event_time: T },
];

let dataDir: string;

async function saveModel(runId: string, kind: ModelKind): Promise<PromotedModel> {
  const dir = path.join(modelsDir(dataDir), runId, kind);
  await fitModel(kind, buildDataset(rows)).save(dir);
  return {
    run_id: runId,
    model: kind,
    artifact_path: dir,
    artifact_checksum: await checksumArtifact(dir),
    feature_version: 'v1',
    metric: 'ndcg@10',
    metrics: { 'ndcg@10': 0.5 },
    promoted_at: T,
  };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'recostream-promoted-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('promoted-model pointer', () => {
  it('is absent until written, then read back whole; no temporary file stays behind', async () => {
    expect(await readPromoted(dataDir)).toBeNull();
    const pointer = await saveModel('run-1', 'popularity');
    await writePromoted(dataDir, pointer);
    expect(await readPromoted(dataDir)).toEqual(pointer);
    expect((await readdir(modelsDir(dataDir))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('serves the promoted model, swaps to a newly promoted one and refuses a tampered artifact', async () => {
    const source = promotedModelSource({ dataDir, pollMs: 0 });
    expect((await source.current())?.runId).toBe('run-1');
    expect((await source.current())?.model.kind).toBe('popularity');

    const second = await saveModel('run-2', 'popularity');
    await writePromoted(dataDir, second);
    expect((await source.current())?.runId).toBe('run-2');

    // A third artifact altered after its checksum was taken: the served model stays run-2.
    const third = await saveModel('run-3', 'popularity');
    await appendFile(path.join(third.artifact_path, 'items.json'), ' ');
    await writePromoted(dataDir, third);
    expect((await source.current())?.runId).toBe('run-2');
    expect(source.pointer()?.run_id).toBe('run-2');
  });

  it('finds the artifact under its own DATA_DIR/models when the trainer mounted the volume elsewhere', async () => {
    const apiDir = await mkdtemp(path.join(tmpdir(), 'recostream-promoted-api-'));
    try {
      // The trainer saved and promoted under /trainer-data; this process sees the same files
      // (the shared models volume) under its own DATA_DIR.
      const saved = await saveModel('run-4', 'popularity');
      const pointer = { ...saved, artifact_path: '/trainer-data/models/run-4/popularity' };
      await cp(modelsDir(dataDir), modelsDir(apiDir), { recursive: true });
      await writePromoted(apiDir, pointer);
      const source = promotedModelSource({ dataDir: apiDir, pollMs: 0 });
      expect((await source.current())?.runId).toBe('run-4');
    } finally {
      await rm(apiDir, { recursive: true, force: true });
    }
  });

  it('serves nothing while nothing is promoted', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'recostream-promoted-empty-'));
    try {
      expect(await promotedModelSource({ dataDir: empty, pollMs: 0 }).current()).toBeNull();
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
