import type { DecayedSum, EventTypeCounts } from './feature-state.js';
import {
  itemStateInput,
  userStateInput,
  type EntityInput,
  type ItemInput,
  type UserInput,
} from './feature-values.js';
import {
  FORMAT_FIELD,
  OFFSET,
  STATE_FIELD,
  STATE_FORMAT,
  decodeItemState,
  decodeUserState,
  readStr,
  userBlobLayout,
  type RawHash,
  type UserBlobLayout,
} from './state-codec.js';
import { packedCountInWindow } from './time-list.js';

/**
 * The reader's side of the state format: feature inputs answered from a stored blob in place.
 * Numbers are loaded at fixed offsets, windows are counted by binary search over the packed
 * times, and strings (favorite category, recent items) are decoded only when a feature asks for
 * them. A format-1 hash is decoded the old way and adapted.
 */

function readCounts(blob: Buffer): EventTypeCounts {
  return {
    view: blob.readDoubleLE(OFFSET.counts),
    click: blob.readDoubleLE(OFFSET.counts + 8),
    add_to_cart: blob.readDoubleLE(OFFSET.counts + 16),
    purchase: blob.readDoubleLE(OFFSET.counts + 24),
    like: blob.readDoubleLE(OFFSET.counts + 32),
    rate: blob.readDoubleLE(OFFSET.counts + 40),
  };
}

abstract class BlobView implements EntityInput {
  readonly total: number;
  readonly counts: EventTypeCounts;
  readonly ratingCount: number;
  readonly ratingSum: number;
  readonly firstEventTime: number;
  readonly lastEventTime: number;
  readonly updatedAt: number;

  constructor(
    protected readonly blob: Buffer,
    private readonly windowTimesAt: number,
  ) {
    this.total = blob.readDoubleLE(OFFSET.total);
    this.counts = readCounts(blob);
    this.ratingCount = blob.readDoubleLE(OFFSET.ratingCount);
    this.ratingSum = blob.readDoubleLE(OFFSET.ratingSum);
    this.firstEventTime = blob.readDoubleLE(OFFSET.firstEventTime);
    this.lastEventTime = blob.readDoubleLE(OFFSET.lastEventTime);
    this.updatedAt = blob.readDoubleLE(OFFSET.updatedAt);
  }

  eventsInWindow(clock: number, windowMs: number): number {
    return packedCountInWindow(this.blob, this.windowTimesAt, clock, windowMs);
  }
}

export class UserBlobView extends BlobView implements UserInput {
  readonly uniqueItems: number;
  readonly activeDays: number;
  readonly monetaryValue: number;
  readonly distinctCategories: number;
  private layout: UserBlobLayout | null = null;

  constructor(blob: Buffer) {
    super(blob, OFFSET.userLists);
    this.uniqueItems = blob.readDoubleLE(OFFSET.uniqueItems);
    this.activeDays = blob.readDoubleLE(OFFSET.activeDays);
    this.monetaryValue = blob.readDoubleLE(OFFSET.monetaryValue);
    this.distinctCategories = blob.readDoubleLE(OFFSET.distinctCategories);
  }

  private offsets(): UserBlobLayout {
    return (this.layout ??= userBlobLayout(this.blob));
  }

  get favoriteCategory(): string | null {
    return readStr(this.blob, this.offsets().favoriteCategory).value;
  }

  purchasesInWindow(clock: number, windowMs: number): number {
    return packedCountInWindow(this.blob, this.offsets().purchaseTimes, clock, windowMs);
  }

  recentItemIds(): string[] {
    const json = readStr(this.blob, this.offsets().recentIds).value;
    return json === null ? [] : (JSON.parse(json) as string[]);
  }
}

export class ItemBlobView extends BlobView implements ItemInput {
  readonly uniqueUsers: number;
  readonly popularity: DecayedSum;

  constructor(blob: Buffer) {
    super(blob, OFFSET.itemLists);
    this.uniqueUsers = blob.readDoubleLE(OFFSET.uniqueUsers);
    this.popularity = {
      value: blob.readDoubleLE(OFFSET.popularityValue),
      ref: blob.readDoubleLE(OFFSET.popularityRef),
    };
  }
}

const STATE_NAME = Buffer.from(STATE_FIELD);
const FORMAT_NAME = Buffer.from(FORMAT_FIELD);
const CURRENT_FORMAT = Buffer.from(String(STATE_FORMAT));

/** The value of `field` in HGETALL's flat reply (field, value, ...), compared as bytes. */
function valueOf(flat: readonly Buffer[], field: Buffer): Buffer | null {
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!;
    if (name.length === field.length && name.equals(field)) return flat[i + 1]!;
  }
  return null;
}

/** The state blob of a current-format hash; null for any other hash. */
function currentBlob(flat: readonly Buffer[]): Buffer | null {
  if (flat.length !== 4) return null;
  const format = valueOf(flat, FORMAT_NAME);
  return format !== null && format.equals(CURRENT_FORMAT) ? valueOf(flat, STATE_NAME) : null;
}

function toHash(flat: readonly Buffer[]): RawHash {
  const hash: RawHash = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!.toString()] = flat[i + 1]!;
  return hash;
}

/**
 * Feature input of a stored user from HGETALL's flat reply; null when the hash is empty. The
 * fast path is the current format; anything else goes through the full decoder, which knows
 * format 1 and refuses unknown formats.
 */
export function userInputOf(flat: readonly Buffer[]): UserInput | null {
  if (flat.length === 0) return null;
  const blob = currentBlob(flat);
  if (blob !== null) return new UserBlobView(blob);
  const state = decodeUserState(toHash(flat));
  return state === null ? null : userStateInput(state);
}

export function itemInputOf(flat: readonly Buffer[]): ItemInput | null {
  if (flat.length === 0) return null;
  const blob = currentBlob(flat);
  if (blob !== null) return new ItemBlobView(blob);
  const state = decodeItemState(toHash(flat));
  return state === null ? null : itemStateInput(state);
}
