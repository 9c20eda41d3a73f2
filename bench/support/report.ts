import os from 'node:os';

/** Printing figures: the lines a benchmark prints are what docs/BENCHMARKS.md records. */

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A count per second, rounded, with thousands separators: `12,345`. */
export function perSecond(count: number, seconds: number): string {
  return Math.round(count / seconds).toLocaleString('en-US');
}

/** How many times the baseline's time a run's speed is: above 1, faster than the baseline. */
export function ratio(baselineSeconds: number, seconds: number, digits = 2): string {
  return (baselineSeconds / seconds).toFixed(digits);
}

/** A Markdown table: the first column left-aligned (names), the others right-aligned (figures). */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** The machine a figure was measured on: Node, cores, CPU model and the load at the time. */
export function machine(): string {
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${load}`;
}
