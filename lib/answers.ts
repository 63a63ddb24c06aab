/** What the sender is told: the status, a short JSON body, and any headers it needs (`Retry-After`, `Allow`). */
export interface Answer {
  status: number;
  body: { status: 'received' | 'duplicate' } | { error: string; message: string; details?: string[] };
  headers?: Record<string, string>;
}

/** Seconds a sender told 503 should wait; the provider retries on its own schedule, other senders honour it. */
export const RETRY_AFTER_SECONDS = '5';

export const RECEIVED: Answer = { status: 200, body: { status: 'received' } };
export const DUPLICATE: Answer = { status: 200, body: { status: 'duplicate' } };

/** An error answer; every 503 says when to come back. */
export function errorAnswer(status: number, error: string, message: string, details?: string[]): Answer {
  const answer: Answer = { status, body: details === undefined ? { error, message } : { error, message, details } };
  if (status === 503) answer.headers = { 'Retry-After': RETRY_AFTER_SECONDS };
  return answer;
}
