/**
 * A set of strings kept as 64-bit fingerprints in typed arrays: duplicate and distinct-id
 * tracking for files of hundreds of millions of rows without a JavaScript string per id (a
 * Set<string> of 50M event ids needs several GB; this needs 16 bytes per slot). Two different ids
 * share a fingerprint with probability about n²/2^65 — 1 in 10^4 for 50M ids —, which would count
 * one row as a duplicate: an accepted trade for bounded memory.
 */
export class FingerprintSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1 << 16) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity <<= 1;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Adds a string; returns false when it was already present. */
  add(value: string): boolean {
    // Two independent 32-bit hashes (FNV-1a and a multiplicative one) make the 64-bit fingerprint.
    let h1 = 0x811c9dc5;
    let h2 = 0x9e3779b9 ^ value.length;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 ^= h1 >>> 16;
    h1 = Math.imul(h1, 0x85ebca6b);
    h1 ^= h1 >>> 13;
    h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
    h2 ^= h2 >>> 16;
    let hi = h1 >>> 0;
    const lo = h2 >>> 0;
    if (hi === 0 && lo === 0) hi = 1; // (0, 0) marks an empty slot
    return this.insert(hi, lo);
  }

  private insert(hi: number, lo: number): boolean {
    let slot = (lo ^ hi) & this.mask;
    while (true) {
      const h = this.hi[slot]!;
      const l = this.lo[slot]!;
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return false;
      slot = (slot + 1) & this.mask;
    }
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.size++;
    if (this.size * 2 > this.mask) this.grow();
    return true;
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.hi = new Uint32Array(oldHi.length * 2);
    this.lo = new Uint32Array(oldLo.length * 2);
    this.mask = this.hi.length - 1;
    this.size = 0;
    for (let i = 0; i < oldHi.length; i++) {
      if (oldHi[i] !== 0 || oldLo[i] !== 0) this.insert(oldHi[i]!, oldLo[i]!);
    }
  }
}
