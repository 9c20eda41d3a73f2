import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../lib/logger.js';
import { DATABASE } from './tables.js';

/**
 * Versioned DDL for the `recostream` database: numbered `NNNN_name.sql` files under
 * migrations/, applied in order on start and recorded in `recostream.schema_migrations`.
 *
 * Every statement in a migration is idempotent (IF NOT EXISTS), so a migration interrupted
 * half-way (a crash between two statements) is simply applied again on the next start; the row
 * in schema_migrations is written only after all its statements succeeded. Two processes
 * migrating at once (several sinks against one ClickHouse server) do the same harmless work.
 */

export interface Migration {
  version: number;
  name: string;
  file: string;
  checksum: string;
  statements: string[];
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/** An applied migration whose file has changed since: editing history is refused. */
export class MigrationChecksumError extends Error {
  constructor(
    readonly version: number,
    readonly file: string,
  ) {
    super(
      `migration ${file} was changed after it had been applied to ClickHouse (checksum differs from ` +
        `${DATABASE}.schema_migrations); add a new migration instead of editing an applied one`,
    );
    this.name = 'MigrationChecksumError';
  }
}

const FILE_PATTERN = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

/** Compiled code runs from dist/sinks/clickhouse/; the .sql files ship in sinks/clickhouse/migrations. */
export function migrationsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'migrations'),
    path.resolve(here, '..', '..', '..', 'sinks', 'clickhouse', 'migrations'),
  ];
  for (const dir of candidates) if (existsSync(dir)) return dir;
  throw new Error(`ClickHouse migrations not found (looked in ${candidates.join(', ')})`);
}

/**
 * Splits a migration into statements at `;` outside string literals, quoted identifiers and
 * comments. The HTTP interface of a ClickHouse server runs one statement per request.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      current += '\n';
      continue;
    }
    if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      current += ' ';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      current += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += c;
    i++;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

/** The migrations on disk, in version order. */
export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) continue;
    const sql = readFileSync(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      file,
      checksum: createHash('sha256').update(sql).digest('hex'),
      statements: splitStatements(sql),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let k = 1; k < migrations.length; k++) {
    if (migrations[k]!.version === migrations[k - 1]!.version) {
      throw new Error(
        `two ClickHouse migrations share version ${migrations[k]!.version}: ${migrations[k - 1]!.file}, ${migrations[k]!.file}`,
      );
    }
  }
  return migrations;
}

const BOOTSTRAP = [
  `CREATE DATABASE IF NOT EXISTS ${DATABASE}`,
  `CREATE TABLE IF NOT EXISTS ${DATABASE}.schema_migrations
   (
       version    UInt32,
       name       String,
       checksum   String,
       applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
   )
   ENGINE = ReplacingMergeTree
   ORDER BY version`,
];

/** The migrations recorded as applied. */
export async function appliedMigrations(client: ClickHouseClient): Promise<AppliedMigration[]> {
  const rs = await client.query({
    query: `SELECT version, name, checksum FROM ${DATABASE}.schema_migrations FINAL ORDER BY version`,
    format: 'JSONEachRow',
  });
  return rs.json<AppliedMigration>();
}

/**
 * Brings the database up to the newest migration. Returns the migrations applied by this call
 * (empty when the schema was already current).
 */
export async function applyMigrations(
  client: ClickHouseClient,
  opts: { logger: Logger; migrations?: Migration[] },
): Promise<Migration[]> {
  const log = opts.logger.child({ part: 'clickhouse-migrations' });
  const migrations = opts.migrations ?? loadMigrations();
  for (const statement of BOOTSTRAP) await client.command({ query: statement });

  const applied = new Map((await appliedMigrations(client)).map((m) => [m.version, m]));
  const done: Migration[] = [];
  for (const migration of migrations) {
    const previous = applied.get(migration.version);
    if (previous) {
      if (previous.checksum !== migration.checksum)
        throw new MigrationChecksumError(migration.version, migration.file);
      continue;
    }
    log.info(
      { migration: migration.file, statements: migration.statements.length },
      'applying ClickHouse migration',
    );
    for (const statement of migration.statements) await client.command({ query: statement });
    await client.insert({
      table: `${DATABASE}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name, checksum: migration.checksum }],
      format: 'JSONEachRow',
    });
    done.push(migration);
  }
  if (done.length === 0)
    log.debug({ version: migrations.at(-1)?.version ?? 0 }, 'ClickHouse schema is current');
  return done;
}
