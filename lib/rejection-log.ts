import type { Logger } from './options.js';

/** The fields of a `rejected` event this log reads. */
interface Rejection {
  status: number;
  error: string;
  hint?: string | undefined;
}

export interface RejectionLogOptions {
  /** At most one line per error code in this many milliseconds; the rest are counted. @default 60_000 */
  intervalMs?: number;
  /** The clock, injectable for tests. @default Date.now */
  now?: () => number;
}

interface CodeState {
  loggedAt: number;
  suppressed: number;
}

/**
 * A `rejected` listener that logs one `warn` line per error code and per interval, with what would fix it, so that a
 * misconfigured sender (wrong secret, skewed clock, wrong content type) is visible without any listener of the
 * application's own. A flood of forged requests costs one line a minute per code, plus a count.
 */
export function rejectionLog(logger: Logger, options: RejectionLogOptions = {}): (event: Rejection) => void {
  const intervalMs = options.intervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  const byCode = new Map<string, CodeState>();
  return (event) => {
    if (event.hint === undefined) return;
    const time = now();
    const state = byCode.get(event.error);
    if (state !== undefined && time - state.loggedAt < intervalMs) {
      state.suppressed += 1;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    // Codes are a fixed set, so the map stays small whatever the senders do.
    byCode.set(event.error, { loggedAt: time, suppressed: 0 });
    const more = suppressed > 0 ? ` (${suppressed} more since the last line for this code)` : '';
    logger.warn(`[suno-callbacks] refused a callback with ${event.status} ${event.error}: ${event.hint}${more}`);
  };
}
