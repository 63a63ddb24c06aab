/**
 * A map whose entries expire and whose size is bounded: past `maxEntries`, the least recently used entry goes
 * first. The memory store keeps its claims and its signature bindings in two of these.
 */
export class ExpiringMap<V> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used key first.
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  // Eviction goes through one long-lived iterator. A fresh keys() iterator starts at the front of the Map's table and
  // steps over every slot deleted since the table was last compacted: once the store is full, that made each claim
  // cost tens of microseconds. A live iterator never passes a key without evicting it, and the spec makes it skip
  // deleted keys and reach re-inserted ones at the end, so its next key is always the least recently used one.
  private oldest = this.entries.keys();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The live value of `key`, or undefined when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Marks `key` as just used, keeping its value and expiry, so that eviction takes it last. */
  touch(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  set(key: string, value: V, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    if (this.entries.size <= this.maxEntries) return;
    let next = this.oldest.next();
    // An iterator that reached the end stays finished, even after keys are added: start a new one.
    if (next.done === true) {
      this.oldest = this.entries.keys();
      next = this.oldest.next();
    }
    if (next.done !== true) this.entries.delete(next.value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
