import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The folders `npm run build` compiles into dist/ (tsconfig.build.json). */
const BUILT = [
  'schemas',
  'topology',
  'processors',
  'sinks',
  'replay',
  'api',
  'training',
  'embedded',
  'cli',
  'lib',
];

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(file));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(file).mtimeMs);
    }
  }
  return newest;
}

let distIsFresh: boolean | undefined;

/**
 * Whether dist/ was built after the last change to any source file: `npm ci` builds it (CI), an
 * edit makes it stale. TEST_FROM_SOURCE=1 always runs the sources.
 */
function useDist(): boolean {
  if (distIsFresh !== undefined) return distIsFresh;
  if (process.env.TEST_FROM_SOURCE === '1') return (distIsFresh = false);
  try {
    const built = statSync(path.join(ROOT, 'dist', 'cli', 'main.js')).mtimeMs;
    distIsFresh = BUILT.every((dir) => newestSourceMtime(path.join(ROOT, dir)) < built);
  } catch {
    distIsFresh = false;
  }
  return distIsFresh;
}

/**
 * The node arguments that run one of the project's programs from this checkout (relative to the
 * repository root): its compiled file under dist/ when the build is fresh, else the TypeScript
 * source under tsx. The compiled program starts 1–1.5 s sooner, which the dozens of processes the
 * suites spawn add up to; a stale build is never run, so a test always exercises the code as it is.
 */
export function entryPoint(source: 'cli/main.ts' | 'embedded/kafka/main.ts'): string[] {
  return useDist()
    ? [path.join(ROOT, 'dist', source.replace(/\.ts$/, '.js'))]
    : ['--import', 'tsx', path.join(ROOT, source)];
}
