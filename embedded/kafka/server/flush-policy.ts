import type { FlushPolicy } from '../log/index.js';

/** The default: fsync every second, like a database's group commit (see README "flush"). */
export const DEFAULT_FLUSH_POLICY: FlushPolicy = { mode: 'interval', ms: 1000 };

/** Parses `always`, `never` or `interval:MS` (the CLI's --flush). */
export function parseFlushPolicy(text: string): FlushPolicy {
  if (text === 'always' || text === 'never') return { mode: text };
  const m = /^interval:(\d+)$/.exec(text);
  if (m && Number(m[1]) > 0) return { mode: 'interval', ms: Number(m[1]) };
  throw new Error(`invalid flush policy "${text}": use always, never or interval:MS`);
}
