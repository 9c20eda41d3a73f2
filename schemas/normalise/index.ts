import type { Interaction, Item, User } from '../types.js';
import type { RecordKind } from './columns.js';
import { normaliseInteractionFields } from './interaction.js';
import { normaliseItemFields } from './item.js';
import type { Normalised, NormaliseOptions } from './result.js';
import { RowMapper, type FieldRow } from './row.js';
import { normaliseUserFields } from './user.js';

export {
  ALIASES,
  FIELDS,
  canonicalColumn,
  parseColumnMap,
  resolveColumns,
  type RecordKind,
} from './columns.js';
export { parseTimestamp } from './timestamp.js';
export { parseEventType } from './event-type.js';
export { deriveEventId } from './event-id.js';
export { ageGroup } from './user.js';
export { RowMapper, type FieldRow } from './row.js';
export {
  MAX_FUTURE_MS,
  REJECTION_CODES,
  type FieldError,
  type Normalised,
  type NormaliseOptions,
  type RejectionCode,
} from './result.js';

export interface RecordOfKind {
  interactions: Interaction;
  items: Item;
  users: User;
}

const BY_KIND: { [K in RecordKind]: (row: FieldRow, opts: NormaliseOptions) => Normalised<RecordOfKind[K]> } =
  {
    interactions: normaliseInteractionFields,
    items: normaliseItemFields,
    users: normaliseUserFields,
  };

/**
 * The one normaliser every entry point uses (replay, HTTP, the producer example): aliases,
 * `--map`, id stringification, event-type spellings, timestamp forms, derived event ids and
 * validation with a reason per rejected field.
 */
export class Normaliser<K extends RecordKind> {
  private readonly mapper: RowMapper;

  constructor(
    readonly kind: K,
    private readonly options: NormaliseOptions,
  ) {
    this.mapper = new RowMapper(kind, options.columnMap);
  }

  /** Input columns that feed no schema field (for the replay report). */
  unknownColumns(columns: readonly string[]): string[] {
    return this.mapper.resolution(columns).unknown;
  }

  normalise(raw: Record<string, unknown>, now = Date.now()): Normalised<RecordOfKind[K]> {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return {
        ok: false,
        errors: [{ field: '(record)', reason: 'expected a JSON object', code: 'not_an_object' }],
      };
    }
    const fn = BY_KIND[this.kind] as (row: FieldRow, opts: NormaliseOptions) => Normalised<RecordOfKind[K]>;
    return fn(this.mapper.map(raw), this.optionsAt(this.options.now ?? now));
  }

  private lastNow = Number.NaN;
  private lastOptions: NormaliseOptions | null = null;

  /** The options with `now` set; callers that pass one `now` per batch share one object (no per-row copy). */
  private optionsAt(now: number): NormaliseOptions {
    if (now !== this.lastNow || this.lastOptions === null) {
      this.lastNow = now;
      this.lastOptions = { ...this.options, now };
    }
    return this.lastOptions;
  }
}

export function normaliseInteraction(
  raw: Record<string, unknown>,
  opts: NormaliseOptions,
): Normalised<Interaction> {
  return new Normaliser('interactions', opts).normalise(raw);
}

export function normaliseItem(raw: Record<string, unknown>, opts: NormaliseOptions): Normalised<Item> {
  return new Normaliser('items', opts).normalise(raw);
}

export function normaliseUser(raw: Record<string, unknown>, opts: NormaliseOptions): Normalised<User> {
  return new Normaliser('users', opts).normalise(raw);
}
