import type { CallbackEvent, UnrecognizedEvent } from './events.js';

/** Stable machine-readable codes, one per error class; listed in the README. */
export type SunoErrorCode =
  | 'ERR_SUNO_LISTENER'
  | 'ERR_SUNO_STORE'
  | 'ERR_SUNO_DOWNLOAD'
  | 'ERR_SUNO_QUEUE'
  | 'ERR_SUNO_DELIVERY'
  | 'ERR_SUNO_RECONCILE';

/** Base class of every error this package emits or throws (option errors excepted: those are `TypeError`s). */
export class SunoCallbackError extends Error {
  readonly code: SunoErrorCode;

  constructor(code: SunoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A listener threw (or rejected) on every attempt; the dedupe key was released so a redelivery runs again. */
export class ListenerError extends SunoCallbackError {
  /** The normalised event the listener failed on. */
  readonly event: CallbackEvent | UnrecognizedEvent;
  /** The event name the listener was registered for (`'cover-ready'`, `'callback'`, ...). */
  readonly listenerFor: string;
  /** How many times the listener ran before giving up. */
  readonly attempts: number;

  constructor(event: CallbackEvent | UnrecognizedEvent, listenerFor: string, attempts: number, cause: unknown) {
    super(
      'ERR_SUNO_LISTENER',
      `A "${listenerFor}" listener failed ${attempts} time(s) for ${event.key ?? 'an unrecognized callback'}: ${describe(cause)}`,
      { cause },
    );
    this.event = event;
    this.listenerFor = listenerFor;
    this.attempts = attempts;
  }
}

/** The dedupe store threw or did not answer in time; the sender was told to retry (503). */
export class StoreError extends SunoCallbackError {
  /** The store operation that failed. */
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super('ERR_SUNO_STORE', `The dedupe store failed during ${operation}: ${describe(cause)}`, { cause });
    this.operation = operation;
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
