import Table from 'cli-table3';
import type { QueryResult } from '../../sinks/clickhouse/query.js';

/** How `recostream sql` prints a result. */
export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A cell as text: NULL for null, JSON for arrays, maps and tuples, the value otherwise. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: a header line, then one line per row; NULL is an empty field. */
export function toCsv(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  const lines = [result.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of result.rows) lines.push(row.map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** A JSON array with one object per row, keyed by column name. */
export function toJson(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  const names = result.columns.map((c) => c.name);
  const objects = result.rows.map((row) =>
    Object.fromEntries(names.map((name, k) => [name, row[k] ?? null])),
  );
  return JSON.stringify(objects, null, 2) + '\n';
}

export function toTable(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  const numeric = result.columns.map((c) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(c.type));
  const table = new Table({
    head: result.columns.map((c) => c.name),
    colAligns: numeric.map((n) => (n ? 'right' : 'left')),
    style: { head: [], border: [] },
  });
  for (const row of result.rows) table.push(row.map(cellText));
  return table.toString() + '\n';
}

export function formatResult(result: QueryResult, format: OutputFormat): string {
  switch (format) {
    case 'csv':
      return toCsv(result);
    case 'json':
      return toJson(result);
    case 'table':
      return toTable(result);
  }
}

/** The line printed on stderr after a result: how many rows, and whether the limit cut it. */
export function summaryLine(result: QueryResult, maxRows: number): string {
  const rows = `${result.rowCount} row${result.rowCount === 1 ? '' : 's'}`;
  const cut = result.truncated
    ? ` (stopped at the limit of ${maxRows}; add LIMIT/ORDER BY or raise --max-rows)`
    : '';
  return `${rows} in ${result.elapsedMs} ms${cut}\n`;
}
