/**
 * A count of bytes shared by every request still unauthenticated: their signature needs the task id in their body,
 * so their bodies must be buffered, and without a shared bound a crowd of strangers with half-sent bodies holds
 * as much memory as it likes.
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` if they fit; false (and nothing taken) when they do not. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}
