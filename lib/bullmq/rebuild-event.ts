import { classify } from '../classify.js';
import { eventNameOf, type CallbackEvent, type UnrecognizedEvent } from '../events.js';
import { toEvent } from '../normalize.js';
import type { CallbackJobData } from './job-data.js';
import type { WorkerEventName } from './listeners.js';

/** The event a job stands for, and the names of the listeners it goes to. */
export interface RebuiltEvent {
  names: readonly WorkerEventName[];
  event: CallbackEvent | UnrecognizedEvent;
}

/**
 * Rebuilds the typed event of a queued callback through the middleware's own classification and normalisation, so a
 * worker's listeners see exactly what in-process listeners would. The one place that knows how: when the
 * classification API changes, only this file does.
 */
export function rebuildEvent(key: string, data: CallbackJobData): RebuiltEvent {
  const receivedAt = new Date(data.receivedAt);
  const { body } = data;
  if (typeof body === 'string') {
    return { names: ['unrecognized'], event: { kind: 'unknown', receivedAt, key, body } };
  }
  const classified = classify(body, data.hint ?? undefined);
  if ('missing' in classified) {
    return { names: ['unrecognized'], event: { kind: 'unknown', receivedAt, key, body } };
  }
  const { kind, stage, taskId, code, failed } = classified;
  // Unrecognized bodies have no family to fail in; a failure of unknown family is still a failure.
  if (kind === undefined && !failed) {
    const event: UnrecognizedEvent = { kind: 'unknown', taskId, receivedAt, key, body };
    if (code !== undefined) event.code = code;
    return { names: ['unrecognized'], event };
  }
  // The key is the one the job was queued under, even if a later release would classify the body differently.
  const event = toEvent({ kind: kind ?? 'unknown', stage, taskId, code, key, receivedAt, body });
  return { names: [eventNameOf(event), 'callback'], event };
}
