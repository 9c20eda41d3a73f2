import { describe, expect, it } from 'vitest';
import { toCsv, toJson } from '../../../cli/sql/format.js';
import { loadMigrations, splitStatements } from '../../../sinks/clickhouse/migrations.js';
import { PendingBatch } from '../../../sinks/clickhouse/pending-batch.js';
import { toSqlQueryError } from '../../../sinks/clickhouse/query.js';
import { routeOf, sourceTopics, TABLE } from '../../../sinks/clickhouse/tables.js';

describe('migration files', () => {
  it('split into statements at semicolons outside strings and comments', () => {
    const sql = `-- a comment; with a semicolon
CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory;
/* block; comment */ CREATE VIEW v AS SELECT 'it''s; fine' AS s, "q;" FROM a;

`;
    expect(splitStatements(sql)).toEqual([
      `CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory`,
      `CREATE VIEW v AS SELECT 'it''s; fine' AS s, "q;" FROM a`,
    ]);
  });

  it('are numbered without gaps, idempotent statement by statement', () => {
    const migrations = loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, k) => k + 1));
    for (const m of migrations) {
      for (const statement of m.statements)
        expect(statement, m.file).toMatch(/^CREATE (TABLE|VIEW|DATABASE) IF NOT EXISTS /);
    }
  });
});

describe('topic routing', () => {
  it('routes every source topic and every feature version to its table', () => {
    expect(routeOf('interactions')).toEqual({ table: TABLE.interactions, record: 'Interaction' });
    expect(routeOf('user-features.v2-experiment')).toEqual({
      table: TABLE.userFeatures,
      record: 'UserFeatures',
    });
    expect(routeOf('item-features.v1')).toEqual({ table: TABLE.itemFeatures, record: 'ItemFeatures' });
    expect(routeOf('interactions-by-item')).toBeUndefined();
    expect(routeOf('_schemas')).toBeUndefined();
    expect(routeOf('user-features.')).toBeUndefined();
    expect(sourceTopics(['_schemas', 'users', 'item-features.v1', 'interactions-by-item', 'users'])).toEqual([
      'item-features.v1',
      'users',
    ]);
  });
});

describe('pending batch', () => {
  it('commits the offset after the highest handled one of each partition', () => {
    const b = new PendingBatch();
    expect(b.isEmpty()).toBe(true);
    b.addRow(TABLE.items, { item_id: 'a' });
    b.advance('items', 0, '7');
    b.advance('items', 0, '5');
    b.advance('items', 1, '9007199254740993');
    b.advance('users', 0, '0');
    expect(b.rowCount).toBe(1);
    expect(b.commits()).toEqual([
      { topic: 'items', partition: 0, offset: '8' },
      { topic: 'items', partition: 1, offset: '9007199254740994' },
      { topic: 'users', partition: 0, offset: '1' },
    ]);
  });

  it('is not empty with only skipped messages: their offsets still need a commit', () => {
    const b = new PendingBatch();
    b.advance('user-features.v1', 2, '3');
    expect(b.isEmpty()).toBe(false);
    expect(b.rowCount).toBe(0);
  });
});

describe('SQL errors and output', () => {
  it('rewords ClickHouse refusals with a kind the API can map', () => {
    const ro = toSqlQueryError(
      { message: 'Cannot execute query in readonly mode.', code: '164', type: 'READONLY' },
      { timeoutMs: 5000, sql: 'DROP TABLE x' },
    );
    expect(ro.kind).toBe('read_only');
    expect(ro.message).toMatch(/read-only/);
    const slow = toSqlQueryError(
      { message: 'Timeout exceeded', code: '159', type: 'TIMEOUT_EXCEEDED' },
      { timeoutMs: 2500, sql: 'SELECT 1' },
    );
    expect(slow.kind).toBe('timeout');
    expect(slow.message).toMatch(/3 s/);
    expect(toSqlQueryError(new Error('socket hang up'), { timeoutMs: 1, sql: '' }).kind).toBe('unavailable');
  });

  it('writes RFC 4180 CSV and JSON objects', () => {
    const result = {
      columns: [
        { name: 'a', type: 'String' },
        { name: 'b', type: 'Nullable(Float64)' },
        { name: 'c', type: 'Array(String)' },
      ],
      rows: [
        ['x, "y"', null, ['p', 'q']],
        [' lead', 1.5, []],
      ],
    };
    expect(toCsv(result)).toBe('a,b,c\r\n"x, ""y""",,"[""p"",""q""]"\r\n" lead",1.5,[]\r\n');
    expect(JSON.parse(toJson(result))).toEqual([
      { a: 'x, "y"', b: null, c: ['p', 'q'] },
      { a: ' lead', b: 1.5, c: [] },
    ]);
  });
});
