/**
 * Milliseconds a `Retry-After` header asks to wait (delay-seconds or an HTTP date), at most `capMs`; `undefined`
 * when the header is missing or unreadable. A date in the past means "now" (0).
 *
 * @example
 * retryAfterMs('2', Date.now(), 60_000);    // 2000
 * retryAfterMs('3600', Date.now(), 60_000); // 60000: capped
 */
export function retryAfterMs(header: string | undefined, now: number, capMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  let wait: number;
  if (/^\d+$/.test(text)) {
    wait = Number(text) * 1000;
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    wait = date - now;
  }
  return Math.min(Math.max(0, wait), capMs);
}

/** Statuses worth another attempt: the server may answer differently later. */
export function retryableStatus(status: number): boolean {
  // 408: the server gave up waiting on us (a timeout, like our own); 429: rate limited; 5xx: the server's trouble.
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}
