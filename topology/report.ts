import Table from 'cli-table3';
import type { ApplyResult } from './apply.js';
import type { TopologyState } from './describe.js';

/** Terminal tables for `topology apply` and `topology describe`. */

const style = { head: [] as string[], border: [] as string[] };

export function applyReport(result: ApplyResult): string {
  const lines: string[] = [];
  if (result.changes.length === 0) {
    lines.push('No changes: every topic and schema already matches the declarations.');
  } else {
    const table = new Table({
      head: ['topic', 'change', 'detail'],
      style,
      wordWrap: true,
      colWidths: [24, 17, 70],
    });
    for (const c of result.changes) table.push([c.topic, c.action, c.detail]);
    lines.push(table.toString(), `${result.changes.length} change(s) applied.`);
  }
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

export function describeReport(state: TopologyState): string {
  const topics = new Table({
    head: ['topic', 'partitions', 'cleanup', 'end offset', 'records', 'schema versions', 'latest id'],
    style,
  });
  for (const t of state.topics) {
    const partitions = !t.exists
      ? 'missing'
      : t.declaredPartitions !== undefined && t.declaredPartitions !== t.partitions
        ? `${t.partitions} (declared ${t.declaredPartitions})`
        : String(t.partitions);
    topics.push([
      t.declared ? t.name : `${t.name} *`,
      partitions,
      t.cleanupPolicy ?? '',
      t.exists ? String(t.endOffset) : '',
      t.exists ? String(t.records) : '',
      t.schemaVersions.length ? t.schemaVersions.join(', ') : '',
      t.latestSchemaId !== undefined ? String(t.latestSchemaId) : '',
    ]);
  }
  const out = [topics.toString()];
  if (state.topics.some((t) => !t.declared)) out.push('* not declared by recostream');
  if (state.lags.length === 0) {
    out.push('No consumer group has committed offsets on these topics.');
  } else {
    const lags = new Table({ head: ['consumer group', 'topic', 'lag', 'partitions (committed/end)'], style });
    for (const l of state.lags) {
      lags.push([
        l.groupId,
        l.topic,
        String(l.lag),
        l.partitions.map((p) => `${p.partition}: ${p.committed}/${p.high}`).join('  '),
      ]);
    }
    out.push(lags.toString());
  }
  return out.join('\n') + '\n';
}
