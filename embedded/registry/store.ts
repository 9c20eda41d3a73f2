import type avro from 'avsc';
import type { Logger } from '../../lib/logger.js';
import {
  compatibilityProblems,
  DEFAULT_COMPATIBILITY,
  type CompatibilityLevel,
  type ExistingSchema,
} from './compatibility.js';
import {
  incompatibleSchema,
  invalidSchema,
  operationTimeout,
  schemaIdNotFound,
  schemaNotFoundInSubject,
  storeError,
  subjectConfigNotFound,
  subjectNotFound,
  subjectNotSoftDeleted,
  subjectSoftDeleted,
  versionNotFound,
  versionNotSoftDeleted,
  versionSoftDeleted,
} from './errors.js';
import { LogTimeoutError, type LogEntry, type RegistryLog } from './log.js';
import { encodeConfigValue, encodeKey, encodeSchemaValue } from './records.js';
import { parseSchema, type ParsedSchema, type SchemaInput, type SchemaReference } from './schema.js';
import { RegistryState, type StoredVersion } from './state.js';

/** `latest` (also -1) or a version number; parsed and range-checked by the HTTP layer. */
export type VersionSpec = number | 'latest';

export interface SchemaStoreOptions {
  log: RegistryLog;
  logger: Logger;
  /** How long a write may take to be read back from the log before failing with 50002. */
  writeTimeoutMs?: number;
  /** How long a read waits to catch up with other instances' writes before answering anyway. */
  readSyncTimeoutMs?: number;
}

/** Registration races lost in a row before giving up (each loss means another write succeeded). */
const MAX_WRITE_ATTEMPTS = 8;

/**
 * The subject/version/compatibility model of the registry over its log. Reads answer from the
 * folded state after catching up with the log's end (so a schema registered through another
 * instance is visible); writes are appended, read back, and checked against the state: when
 * another instance claimed the same version or id first, this one withdraws its record and
 * decides again on the new state. Writes of one instance run one at a time.
 */
export class SchemaStore {
  private readonly state = new RegistryState();
  private readonly types = new Map<number, avro.Type>();
  private readonly log: RegistryLog;
  private readonly logger: Logger;
  private readonly writeTimeoutMs: number;
  private readonly readSyncTimeoutMs: number;
  private writeQueue: Promise<unknown> = Promise.resolve();

  constructor(options: SchemaStoreOptions) {
    this.log = options.log;
    this.logger = options.logger;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
    this.readSyncTimeoutMs = options.readSyncTimeoutMs ?? 2_000;
  }

  /** Reads the log to its end, then withdraws claims that lost a race and were left behind. */
  async start(): Promise<void> {
    await this.log.open((r) => this.state.apply(r.offset, r.key, r.value));
    await this.withdrawRejected();
  }

  async close(): Promise<void> {
    await this.writeQueue.catch(() => undefined);
    await this.log.close();
  }

  private async withdrawRejected(): Promise<void> {
    const keys = this.state.rejectedKeys();
    if (keys.length === 0) return;
    this.logger.info(
      { records: keys.length },
      'withdrawing schema claims that lost a race to another registry',
    );
    await this.appendAndRead(keys.map((key) => ({ key, value: null })));
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** Folds in what other instances wrote; best effort, so reads keep working if the broker is away. */
  private async syncForRead(): Promise<void> {
    const deadline = Date.now() + this.readSyncTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      // The client retries for a long time when the broker is away; a read does not wait that long.
      const last = await Promise.race([
        this.log.lastOffset(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new LogTimeoutError('the end of the schemas topic could not be read in time')),
            this.readSyncTimeoutMs,
          );
        }),
      ]);
      await this.log.waitFor(last, Math.max(1, deadline - Date.now()));
    } catch (err) {
      this.logger.warn({ err }, 'could not catch up with the schemas topic; answering from local state');
    } finally {
      clearTimeout(timer);
    }
  }

  async subjects(includeDeleted: boolean): Promise<string[]> {
    await this.syncForRead();
    return this.state.subjects(includeDeleted);
  }

  async versions(subject: string, includeDeleted: boolean): Promise<number[]> {
    await this.syncForRead();
    return this.visibleVersions(subject, includeDeleted).map((v) => v.version);
  }

  async version(subject: string, spec: VersionSpec, includeDeleted: boolean): Promise<StoredVersion> {
    await this.syncForRead();
    return this.resolveVersion(subject, spec, includeDeleted);
  }

  async schemaById(id: number): Promise<StoredVersion> {
    await this.syncForRead();
    const found = this.state.schemaById(id);
    if (!found) throw schemaIdNotFound(id);
    return found;
  }

  async versionsById(id: number, includeDeleted: boolean): Promise<StoredVersion[]> {
    await this.syncForRead();
    const all = this.state.versionsById(id);
    if (all.length === 0) throw schemaIdNotFound(id);
    return all.filter((v) => includeDeleted || !v.deleted);
  }

  async referencedBy(subject: string, spec: VersionSpec): Promise<number[]> {
    await this.syncForRead();
    const target = this.resolveVersion(subject, spec, false);
    return this.state
      .referencedBy(target.subject, target.version)
      .map((v) => v.id)
      .sort((a, b) => a - b);
  }

  /** POST /subjects/{s}: the version of `subject` holding this schema. */
  async lookup(subject: string, input: SchemaInput, includeDeleted: boolean): Promise<StoredVersion> {
    await this.syncForRead();
    const candidates = this.visibleVersions(subject, includeDeleted);
    if (candidates.length === 0) throw subjectNotFound(subject);
    const parsed = this.parse(input);
    const match = candidates.filter((v) => v.fingerprint === parsed.fingerprint).pop();
    if (!match) throw schemaNotFoundInSubject(subject);
    return match;
  }

  async globalLevel(): Promise<CompatibilityLevel> {
    await this.syncForRead();
    return this.state.globalLevel() ?? DEFAULT_COMPATIBILITY;
  }

  /** The subject's own level; 404 when it has none, unless the global one is wanted instead. */
  async subjectLevel(subject: string, defaultToGlobal: boolean): Promise<CompatibilityLevel> {
    await this.syncForRead();
    const level = this.state.subjectLevel(subject);
    if (level) return level;
    if (defaultToGlobal) return this.state.globalLevel() ?? DEFAULT_COMPATIBILITY;
    throw subjectConfigNotFound(subject);
  }

  /**
   * POST /compatibility/subjects/{s}/versions[/{v}]: the problems (empty = compatible) of
   * `input` against one version, or (spec undefined) against what registration would check.
   */
  async compatibility(subject: string, spec: VersionSpec | undefined, input: SchemaInput): Promise<string[]> {
    await this.syncForRead();
    const parsed = this.parse(input);
    const level = this.levelFor(subject);
    if (spec === undefined) return compatibilityProblems(level, parsed.type, this.liveSchemas(subject));
    const target = this.resolveVersion(subject, spec, false);
    const oneVersionLevel = level.replace('_TRANSITIVE', '') as CompatibilityLevel;
    return compatibilityProblems(oneVersionLevel, parsed.type, [
      { version: target.version, type: this.typeOf(target) },
    ]);
  }

  // ---- writes --------------------------------------------------------------------------------

  /** POST /subjects/{s}/versions: the id of the schema, registering a new version if needed. */
  register(subject: string, input: SchemaInput): Promise<{ id: number; version: number }> {
    return this.exclusive(async () => {
      await this.catchUpForWrite();
      for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
        const parsed = this.parse(input);
        const same = this.state
          .versions(subject)
          .find((v) => !v.deleted && v.fingerprint === parsed.fingerprint);
        if (same) return { id: same.id, version: same.version };

        const problems = compatibilityProblems(
          this.levelFor(subject),
          parsed.type,
          this.liveSchemas(subject),
        );
        if (problems.length) throw incompatibleSchema(subject, problems);

        const id = this.state.idForFingerprint(parsed.fingerprint) ?? this.state.nextId();
        const version = this.state.nextVersion(subject);
        const key = encodeKey({ keytype: 'SCHEMA', subject, version, id, fingerprint: parsed.fingerprint });
        const value = encodeSchemaValue({
          subject,
          version,
          id,
          schema: parsed.schema,
          references: parsed.references,
          deleted: false,
        });
        await this.appendAndRead([{ key, value }]);
        const claim = this.state.versions(subject).find((v) => v.version === version);
        if (claim?.key === key) {
          this.types.set(id, parsed.type);
          this.logger.info({ subject, version, id }, 'registered schema');
          return { id, version };
        }
        // Another registry wrote first: withdraw this claim (so that compaction cannot
        // resurrect it) and decide again on the state that includes the winner.
        this.logger.info(
          { subject, version, id, attempt },
          'another registry claimed the version or id first; retrying',
        );
        if (this.state.rejectedKeys().includes(key)) await this.appendAndRead([{ key, value: null }]);
      }
      throw storeError(`could not register under '${subject}': lost ${MAX_WRITE_ATTEMPTS} races in a row`);
    });
  }

  /** DELETE /subjects/{s}/versions/{v}: soft delete, or permanent after a soft delete. */
  deleteVersion(subject: string, spec: VersionSpec, permanent: boolean): Promise<number> {
    return this.exclusive(async () => {
      await this.catchUpForWrite();
      const all = this.state.versions(subject);
      if (all.length === 0 || (!permanent && all.every((v) => v.deleted))) throw subjectNotFound(subject);
      // "latest" is the newest live version for a soft delete; a number may name a deleted one.
      const target = this.resolveVersion(subject, spec, permanent || spec !== 'latest');
      if (permanent) {
        if (!target.deleted) throw versionNotSoftDeleted(subject, target.version);
        await this.appendAndRead([{ key: target.key, value: null }]);
      } else {
        if (target.deleted) throw versionSoftDeleted(subject, target.version);
        await this.appendAndRead([this.softDeleteEntry(target)]);
      }
      this.logger.info({ subject, version: target.version, permanent }, 'deleted schema version');
      return target.version;
    });
  }

  /** DELETE /subjects/{s}: soft-deletes every version, or removes them after a soft delete. */
  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.exclusive(async () => {
      await this.catchUpForWrite();
      const all = this.state.versions(subject);
      if (all.length === 0) throw subjectNotFound(subject);
      const live = all.filter((v) => !v.deleted);
      let entries: LogEntry[];
      let affected: StoredVersion[];
      if (permanent) {
        if (live.length > 0) throw subjectNotSoftDeleted(subject);
        affected = all;
        entries = all.map((v) => ({ key: v.key, value: null }));
        if (this.state.subjectLevel(subject)) {
          entries.push({ key: encodeKey({ keytype: 'CONFIG', subject }), value: null });
        }
      } else {
        if (live.length === 0) throw subjectSoftDeleted(subject);
        affected = live;
        entries = live.map((v) => this.softDeleteEntry(v));
      }
      await this.appendAndRead(entries);
      this.logger.info({ subject, versions: affected.length, permanent }, 'deleted subject');
      return affected.map((v) => v.version);
    });
  }

  /** PUT /config or /config/{s} (subject null: the global level). */
  setLevel(subject: string | null, level: CompatibilityLevel): Promise<CompatibilityLevel> {
    return this.exclusive(async () => {
      await this.appendAndRead([
        {
          key: encodeKey({ keytype: 'CONFIG', subject }),
          value: encodeConfigValue({ compatibilityLevel: level }),
        },
      ]);
      return level;
    });
  }

  /** DELETE /config or /config/{s}: removes the setting; answers the level it had. */
  deleteLevel(subject: string | null): Promise<CompatibilityLevel> {
    return this.exclusive(async () => {
      await this.catchUpForWrite();
      const previous = subject === null ? this.state.globalLevel() : this.state.subjectLevel(subject);
      if (subject !== null && !previous) {
        if (this.state.versions(subject).length === 0) throw subjectNotFound(subject);
        throw subjectConfigNotFound(subject);
      }
      await this.appendAndRead([{ key: encodeKey({ keytype: 'CONFIG', subject }), value: null }]);
      return previous ?? DEFAULT_COMPATIBILITY;
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(work, work);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  private async catchUpForWrite(): Promise<void> {
    let last: number;
    try {
      last = await this.log.lastOffset();
    } catch (err) {
      throw storeError(`could not read the end of the schemas topic: ${(err as Error).message}`);
    }
    await this.waitFor(last);
  }

  private async appendAndRead(entries: LogEntry[]): Promise<void> {
    let offset: number;
    try {
      offset = await this.log.append(entries);
    } catch (err) {
      throw storeError(`could not write to the schemas topic: ${(err as Error).message}`);
    }
    await this.waitFor(offset);
  }

  private async waitFor(offset: number): Promise<void> {
    try {
      await this.log.waitFor(offset, this.writeTimeoutMs);
    } catch (err) {
      if (err instanceof LogTimeoutError) throw operationTimeout(err.message);
      throw storeError((err as Error).message);
    }
  }

  private softDeleteEntry(v: StoredVersion): LogEntry {
    return {
      key: v.key,
      value: encodeSchemaValue({
        subject: v.subject,
        version: v.version,
        id: v.id,
        schema: v.schema,
        references: v.references,
        deleted: true,
      }),
    };
  }

  private levelFor(subject: string): CompatibilityLevel {
    return this.state.subjectLevel(subject) ?? this.state.globalLevel() ?? DEFAULT_COMPATIBILITY;
  }

  private visibleVersions(subject: string, includeDeleted: boolean): StoredVersion[] {
    return this.state.versions(subject).filter((v) => includeDeleted || !v.deleted);
  }

  private resolveVersion(subject: string, spec: VersionSpec, includeDeleted: boolean): StoredVersion {
    const visible = this.visibleVersions(subject, includeDeleted);
    if (visible.length === 0) throw subjectNotFound(subject);
    const found = spec === 'latest' ? visible[visible.length - 1] : visible.find((v) => v.version === spec);
    if (!found) throw versionNotFound(subject, spec);
    return found;
  }

  private liveSchemas(subject: string): ExistingSchema[] {
    return this.visibleVersions(subject, false).map((v) => ({ version: v.version, type: this.typeOf(v) }));
  }

  private resolveReference = (ref: SchemaReference): SchemaInput => {
    const target = this.state.versions(ref.subject).find((v) => v.version === ref.version);
    if (!target) {
      throw invalidSchema(
        `reference ${ref.name} names ${ref.subject} version ${ref.version}, which does not exist`,
      );
    }
    return { schema: target.schema, references: target.references };
  };

  private parse(input: SchemaInput): ParsedSchema {
    return parseSchema(input, this.resolveReference);
  }

  private typeOf(v: StoredVersion): avro.Type {
    let type = this.types.get(v.id);
    if (!type) {
      type = this.parse({ schema: v.schema, references: v.references }).type;
      this.types.set(v.id, type);
    }
    return type;
  }
}
