/**
 * The newest version of each proposal that this process has seen stored in the inbox. "Version N is
 * stored" never becomes false (the inbox only grows, and holds 1..N whenever it holds N), so a fact
 * remembered here spares the predecessor lookup of N+1 — the common case, where a subscriber applied
 * N itself. Bounded: the proposals seen longest ago are forgotten, and simply looked up again.
 */
export class StoredVersions {
  private readonly newest = new Map<number, number>();

  constructor(private readonly capacity = 100_000) {}

  has(proposalId: number, version: number): boolean {
    return (this.newest.get(proposalId) ?? 0) >= version;
  }

  add(proposalId: number, version: number): void {
    const known = this.newest.get(proposalId) ?? 0;
    this.newest.delete(proposalId); // re-inserted last: Map order is the forgetting order
    this.newest.set(proposalId, Math.max(known, version));
    if (this.newest.size > this.capacity) this.newest.delete(this.newest.keys().next().value as number);
  }
}
