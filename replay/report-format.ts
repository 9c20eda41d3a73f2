import Table from 'cli-table3';
import type { QualityReport } from './report.js';

/** Example lines shown per reason in the table (the JSON report keeps up to 20). */
const SHOWN_LINES = 8;

/** The report as the summary a person reads after a replay. */
export function formatReport(report: QualityReport): string {
  const summary = new Table({ style: { head: [], border: [] } });
  const q = report.quality;
  summary.push(
    { file: `${report.file} (${report.format}${report.compression ? `, ${report.compression}` : ''})` },
    { kind: report.kind },
    { 'rows read': String(report.rows_read) },
    { accepted: String(report.accepted) },
    { rejected: String(report.rejected) },
    { 'duplicates skipped': String(report.duplicates) },
    { produced: String(report.produced) },
    { 'dead letters': String(report.dead_letters) },
    {
      'event time range':
        report.event_time_range.first === null
          ? '-'
          : `${report.event_time_range.first} .. ${report.event_time_range.last}`,
    },
    { 'distinct users': report.distinct_users === null ? '-' : String(report.distinct_users) },
    { 'distinct items': report.distinct_items === null ? '-' : String(report.distinct_items) },
    {
      'quality score': `${q.score} (validity ${q.validity}, uniqueness ${q.uniqueness}, completeness ${q.completeness})`,
    },
  );
  const parts = [summary.toString()];
  if (report.rejected_by_reason.length > 0) {
    const reasons = new Table({
      head: ['rejected', 'field', 'reason', 'example', 'lines'],
      style: { head: [] },
    });
    for (const r of report.rejected_by_reason) {
      reasons.push([
        String(r.count),
        r.field ?? '-',
        r.code,
        r.example_reason.length > 60 ? r.example_reason.slice(0, 57) + '...' : r.example_reason,
        r.example_lines.slice(0, SHOWN_LINES).join(', ') + (r.count > SHOWN_LINES ? ', ...' : ''),
      ]);
    }
    parts.push(reasons.toString());
  }
  if (report.duplicates > 0) {
    parts.push(
      `duplicate event ids on lines ${report.duplicate_example_lines.join(', ')}${report.duplicates > report.duplicate_example_lines.length ? ', ...' : ''}`,
    );
  }
  const nulls = Object.entries(report.null_counts).filter(([, n]) => n > 0);
  if (nulls.length > 0)
    parts.push(`empty values per column: ${nulls.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  if (report.unknown_columns.length > 0) {
    parts.push(
      `ignored columns (no field of their own; --map one to use it): ${report.unknown_columns.join(', ')}`,
    );
  }
  parts.push(report.message);
  return parts.join('\n') + '\n';
}
