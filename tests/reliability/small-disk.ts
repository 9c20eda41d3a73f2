import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

/**
 * A disk that fills up, for the broker's disk-full case. A small tmpfs mounted on the directory
 * when this process may mount (root); otherwise the broker process is given a file-size limit
 * (RLIMIT_FSIZE through prlimit, SIGXFSZ ignored), so a write past it fails with EFBIG instead of
 * ENOSPC — the same refusal path, said honestly in the results. The broker gets the limit from
 * the harness' spawnBroker (`fileSizeLimit`).
 */

const run = promisify(execFile);

export interface SmallDisk {
  dir: string;
  kind: 'tmpfs' | 'rlimit-fsize';
  /** Bytes the broker may write: the tmpfs size, or the per-file limit. */
  bytes: number;
  /** Unmounts the tmpfs (nothing to do for a file-size limit). */
  release(): Promise<void>;
}

export async function mountSmallDisk(dir: string, bytes: number): Promise<SmallDisk> {
  await mkdir(dir, { recursive: true });
  // RELIABILITY_SMALL_DISK=rlimit exercises the fallback where mounting is possible.
  if (process.env.RELIABILITY_SMALL_DISK === 'rlimit') {
    return { dir, kind: 'rlimit-fsize', bytes, release: async () => undefined };
  }
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
    return { dir, kind: 'tmpfs', bytes, release: () => run('umount', [dir]).then(() => undefined) };
  } catch {
    return { dir, kind: 'rlimit-fsize', bytes, release: async () => undefined };
  }
}
