import type { SunoEventName } from './events.js';
import { received, suggestion } from './option-checks.js';

// A record, not a list: the compiler then insists on every event of the map, and on nothing else.
const EVENTS: Record<SunoEventName, true> = {
  'music-progress': true,
  'music-ready': true,
  'lyrics-ready': true,
  'cover-ready': true,
  'wav-ready': true,
  'stems-ready': true,
  'midi-ready': true,
  'video-ready': true,
  'voice-phrase-ready': true,
  'voice-ready': true,
  'recovery-ready': true,
  'result-ready': true,
  'task-timeout': true,
  failure: true,
  callback: true,
  unrecognized: true,
  duplicate: true,
  rejected: true,
  error: true,
};

/** Every event name `on()` accepts. */
export const EVENT_NAMES = Object.keys(EVENTS) as readonly SunoEventName[];

/**
 * Checks `on(name, listener)` at run time, for JavaScript callers the compiler does not see: a misspelt event name
 * would otherwise wait forever for an event that never fires, and a missing listener would fail only at dispatch.
 */
export function checkListener(method: string, name: unknown, listener: unknown): void {
  if (typeof name !== 'string' || !Object.hasOwn(EVENTS, name)) {
    const shown = typeof name === 'string' ? `\`${name.slice(0, 60)}\`` : received(name);
    const hint = typeof name === 'string' ? suggestion('', name, EVENT_NAMES) : '';
    throw new TypeError(`${method}() got an unknown event name ${shown}.${hint} Known events: ${EVENT_NAMES.join(', ')}.`);
  }
  if (typeof listener !== 'function') {
    throw new TypeError(`${method}(\`${name}\`, listener) needs a function as its listener; received ${received(listener)}.`);
  }
}
