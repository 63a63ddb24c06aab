import type { CallbackEvent, SunoEventName, UnrecognizedEvent } from '../events.js';
import { buildEvent, identify } from '../interpret.js';
import type { CallbackJobData } from './job-data.js';
import type { WorkerEventName } from './listeners.js';

/** The event a job stands for, and the names of the listeners it goes to. */
export interface RebuiltEvent {
  names: readonly WorkerEventName[];
  event: CallbackEvent | UnrecognizedEvent;
}

function onWorker(name: SunoEventName): name is WorkerEventName {
  return name !== 'duplicate' && name !== 'rejected';
}

/**
 * Rebuilds the typed event of a queued callback through the middleware's own interpretation (`identify`, then
 * `buildEvent`: validation and normalisation, `unrecognized` rather than a throw), so a worker's listeners see exactly
 * what in-process listeners would.
 */
export function rebuildEvent(key: string, data: CallbackJobData): RebuiltEvent {
  const receivedAt = new Date(data.receivedAt);
  const identified = identify(data.body, data.hint ?? undefined);
  if (identified === undefined) {
    // Only a body whose task id vanished could get here (the middleware queues nothing without one): report it.
    const event: UnrecognizedEvent = { kind: 'unknown', receivedAt, key, body: typeof data.body === 'string' ? undefined : data.body };
    if (typeof data.body === 'string') event.raw = data.body;
    return { names: ['unrecognized'], event };
  }
  // The key is the one the job was queued under, even if a later release would identify the body differently.
  const built = buildEvent({ ...identified, key }, data.body, receivedAt);
  const names: readonly SunoEventName[] = built.names;
  return { names: names.filter(onWorker), event: built.event };
}
