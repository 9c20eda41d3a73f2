import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the dashboard's built front end (web/, bundled by `npm run build:dashboard`) lies:
 * `dist/dashboard` of the package, seen from this module compiled into dist/api/dashboard/ or
 * run from its source in api/dashboard/. Null when it has not been built.
 */
export function dashboardAssetsDir(): string | null {
  const here = import.meta.dirname;
  const candidates = [
    path.resolve(here, '..', '..', 'dashboard'),
    path.resolve(here, '..', '..', 'dist', 'dashboard'),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? null;
}
