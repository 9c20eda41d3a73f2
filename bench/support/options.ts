import { parseArgs } from 'node:util';

type Values<D> = { [K in keyof D]: D[K] extends number ? number : string };

/**
 * The command line of a benchmark, `--name value` for each key of `defaults`: numbers where the
 * default is a number (a value that is not one stops the run with a message, rather than a NaN
 * deep inside a measurement), strings otherwise.
 */
export function benchOptions<D extends Record<string, number | string>>(defaults: D): Values<D> {
  const { values } = parseArgs({
    options: Object.fromEntries(
      Object.entries(defaults).map(([name, value]) => [name, { type: 'string', default: String(value) }]),
    ) as Record<string, { type: 'string'; default: string }>,
  });
  const parsed: Record<string, number | string> = {};
  for (const [name, fallback] of Object.entries(defaults)) {
    const raw = values[name] as string;
    if (typeof fallback === 'string') {
      parsed[name] = raw;
      continue;
    }
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) {
      process.stderr.write(`--${name} must be a number (got "${raw}")\n`);
      process.exit(2);
    }
    parsed[name] = n;
  }
  return parsed as Values<D>;
}
