/**
 * Distinct-value membership for one entity during one batch: the members already stored in Redis
 * (answered by SMISMEMBER for every member the batch can touch, in the load round trip) plus the
 * members the batch itself adds. Exact distinct counts without loading whole sets.
 */
export class SeenSet {
  private readonly added = new Set<string>();

  constructor(private readonly stored: ReadonlySet<string>) {}

  /** Records `member`; true when it had not been seen before (stored or earlier in the batch). */
  add(member: string): boolean {
    if (this.stored.has(member) || this.added.has(member)) return false;
    this.added.add(member);
    return true;
  }

  /** Members to SADD when the batch is written back. */
  newMembers(): string[] {
    return [...this.added];
  }
}
