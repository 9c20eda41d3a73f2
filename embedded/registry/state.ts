import type { CompatibilityLevel } from './compatibility.js';
import {
  decodeConfigValue,
  decodeKey,
  decodeSchemaValue,
  type SchemaKey,
  type SchemaValue,
} from './records.js';
import type { SchemaReference } from './schema.js';

/** One registered subject version as the registry knows it. */
export interface StoredVersion {
  subject: string;
  version: number;
  id: number;
  fingerprint: string;
  schema: string;
  references: SchemaReference[];
  deleted: boolean;
  /** Its key in the `_schemas` topic (soft and permanent deletes rewrite this key). */
  key: string;
}

/**
 * The registry's state: a fold over the `_schemas` topic in offset order. Every instance that
 * reads the same topic computes the same state, which is how several registries agree without
 * talking to each other.
 *
 * Conflicting claims are settled by "first writer wins": a SCHEMA record is accepted only if
 * its subject version is free, its id is not bound to another schema and its schema is not
 * bound to another id; a later record with the same key (same subject, version, id and
 * schema) updates the claim (soft delete) and a tombstone removes it (permanent delete).
 * Rejected records are remembered until a tombstone for their key arrives, so that they can be
 * cleaned up: once no rejected record survives, the records left after compaction are
 * mutually consistent and folding them in any order gives this same state.
 */
export class RegistryState {
  private readonly bySubject = new Map<string, Map<number, StoredVersion>>();
  /** Live claims per id (soft-deleted ones included: their schema stays readable by id). */
  private readonly byId = new Map<number, { fingerprint: string; claims: Set<StoredVersion> }>();
  private readonly idByFingerprint = new Map<string, number>();
  private readonly subjectLevels = new Map<string, CompatibilityLevel>();
  private global: CompatibilityLevel | undefined;
  private readonly rejected = new Map<string, number>();
  /** Never decreases within a process, so an id is not reused after a permanent delete. */
  private highestId = 0;
  /** Offset of the last record folded in (-1: none). */
  lastOffset = -1;

  apply(offset: number, keyText: string, valueText: string | null): void {
    this.lastOffset = Math.max(this.lastOffset, offset);
    const key = decodeKey(keyText);
    if (!key) return;
    if (key.keytype === 'CONFIG') {
      const value = valueText === null ? undefined : decodeConfigValue(valueText);
      if (key.subject === null) this.global = value?.compatibilityLevel;
      else if (value) this.subjectLevels.set(key.subject, value.compatibilityLevel);
      else this.subjectLevels.delete(key.subject);
      return;
    }
    if (valueText === null) {
      this.removeClaim(keyText, key);
      return;
    }
    const value = decodeSchemaValue(valueText);
    if (!value || value.subject !== key.subject || value.version !== key.version || value.id !== key.id)
      return;
    if (this.accept(keyText, key, value)) this.rejected.delete(keyText);
    else this.rejected.set(keyText, offset);
  }

  private accept(keyText: string, key: SchemaKey, value: SchemaValue): boolean {
    const versions = this.bySubject.get(key.subject);
    const existing = versions?.get(key.version);
    if (existing) {
      if (existing.key !== keyText) return false;
      existing.deleted = value.deleted;
      return true;
    }
    const holder = this.byId.get(key.id);
    if (holder && holder.fingerprint !== key.fingerprint) return false;
    const boundId = this.idByFingerprint.get(key.fingerprint);
    if (boundId !== undefined && boundId !== key.id) return false;

    const stored: StoredVersion = {
      subject: key.subject,
      version: key.version,
      id: key.id,
      fingerprint: key.fingerprint,
      schema: value.schema,
      references: value.references,
      deleted: value.deleted,
      key: keyText,
    };
    if (versions) versions.set(key.version, stored);
    else this.bySubject.set(key.subject, new Map([[key.version, stored]]));
    if (holder) holder.claims.add(stored);
    else this.byId.set(key.id, { fingerprint: key.fingerprint, claims: new Set([stored]) });
    this.idByFingerprint.set(key.fingerprint, key.id);
    this.highestId = Math.max(this.highestId, key.id);
    return true;
  }

  private removeClaim(keyText: string, key: SchemaKey): void {
    this.rejected.delete(keyText);
    const versions = this.bySubject.get(key.subject);
    const existing = versions?.get(key.version);
    if (!versions || !existing || existing.key !== keyText) return;
    versions.delete(key.version);
    if (versions.size === 0) this.bySubject.delete(key.subject);
    const holder = this.byId.get(key.id);
    if (holder) {
      holder.claims.delete(existing);
      if (holder.claims.size === 0) {
        this.byId.delete(key.id);
        this.idByFingerprint.delete(key.fingerprint);
      }
    }
  }

  /** Subject names, sorted; soft-deleted subjects only when asked. */
  subjects(includeDeleted: boolean): string[] {
    const names: string[] = [];
    for (const [subject, versions] of this.bySubject) {
      if (includeDeleted || [...versions.values()].some((v) => !v.deleted)) names.push(subject);
    }
    return names.sort();
  }

  /** Every version of a subject (soft-deleted included), oldest first. */
  versions(subject: string): StoredVersion[] {
    const versions = this.bySubject.get(subject);
    return versions ? [...versions.values()].sort((a, b) => a.version - b.version) : [];
  }

  /** One of the subject versions holding this id (the schema text they share). */
  schemaById(id: number): StoredVersion | undefined {
    const holder = this.byId.get(id);
    if (!holder) return undefined;
    let first: StoredVersion | undefined;
    for (const claim of holder.claims) if (!first || claim.version < first.version) first = claim;
    return first;
  }

  versionsById(id: number): StoredVersion[] {
    const holder = this.byId.get(id);
    if (!holder) return [];
    return [...holder.claims].sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  }

  idForFingerprint(fingerprint: string): number | undefined {
    return this.idByFingerprint.get(fingerprint);
  }

  nextId(): number {
    return this.highestId + 1;
  }

  nextVersion(subject: string): number {
    const versions = this.versions(subject);
    return versions.length ? versions[versions.length - 1]!.version + 1 : 1;
  }

  subjectLevel(subject: string): CompatibilityLevel | undefined {
    return this.subjectLevels.get(subject);
  }

  globalLevel(): CompatibilityLevel | undefined {
    return this.global;
  }

  /** Keys of rejected claims that no tombstone has removed yet. */
  rejectedKeys(): string[] {
    return [...this.rejected.keys()];
  }

  /** Subject versions whose schema references the given one. */
  referencedBy(subject: string, version: number): StoredVersion[] {
    const out: StoredVersion[] = [];
    for (const versions of this.bySubject.values()) {
      for (const v of versions.values()) {
        if (v.references.some((r) => r.subject === subject && r.version === version)) out.push(v);
      }
    }
    return out;
  }
}
