/**
 * The one way in for every door (the middleware's pipeline, a BullMQ worker, the poller, `parseCallback`): identify a
 * callback cheaply before authentication, then build its event after.
 */
import { isJsonObject, marketModel } from './classify.js';
import type { CallbackKind } from './dialects.js';
import { eventNameOf, type CallbackEvent, type SunoEventName, type UnrecognizedEvent } from './events.js';
import type { CallbackBody, Identified } from './identify.js';
import { decodeResult, legacyPayload, marketFacts } from './market.js';
import { toEvent, type Accepted, type MarketFacts } from './normalize.js';
// Generated at build time (scripts/compile-schemas.ts): no door compiles code from strings at run time.
import { precompiledValidators, type PayloadValidator } from './schemas/compiled-validators.js';

export { identify, type CallbackBody, type Identified } from './identify.js';

/** What `buildEvent` needs, kept from `identify` until delivery. */
export interface Interpreted {
  identified: Identified;
  body: CallbackBody;
}

/** The event a callback produces and the names it fires under. */
export type Built =
  | { names: SunoEventName[]; event: CallbackEvent }
  | { names: ['unrecognized']; event: UnrecognizedEvent };

let validators: Record<CallbackKind, PayloadValidator> | undefined;

/** Compiles the schemas now rather than on the first callback (the middleware's factory calls this). */
export function prepareValidators(): void {
  validators ??= precompiledValidators();
}

function validatorOf(kind: CallbackKind): PayloadValidator {
  validators ??= precompiledValidators();
  return validators[kind];
}

function unrecognized(identified: Identified, body: unknown, receivedAt: Date, more: Partial<UnrecognizedEvent>): Built {
  const event: UnrecognizedEvent = { kind: 'unknown', taskId: identified.taskId, receivedAt, key: identified.key, body, ...more };
  if (identified.code !== undefined) event.code = identified.code;
  if (identified.model !== undefined) event.model = identified.model;
  return { names: ['unrecognized'], event };
}

/**
 * The typed event of an identified callback, validated against its family's schema and normalised; `unrecognized`
 * (with the validation messages, or the raw text when the body is not JSON) instead of throwing. Validation stops at
 * the first error, so its cost is linear in the body whatever the body holds.
 */
export function buildEvent(identified: Identified, body: CallbackBody, receivedAt: Date): Built {
  const object = typeof body === 'string' ? identified.parsed : body;
  if (object === undefined) {
    return unrecognized(identified, undefined, receivedAt, { raw: body as string, details: ['The body is not valid JSON.'] });
  }
  // A body recovered from a malformed `param` echo comes without it: it is only the request, and it was not JSON.
  const received = object;
  const { kind, failed } = identified;
  if (kind === undefined && !failed) {
    return unrecognized(identified, received, receivedAt, { details: ['The body fits no callback family.'] });
  }
  const accepted: Accepted = {
    kind: kind ?? 'unknown',
    stage: identified.stage,
    taskId: identified.taskId,
    code: identified.code,
    key: identified.key,
    receivedAt,
    body: received,
  };
  const model = identified.model ?? marketModel(object);
  if (model !== undefined) {
    const data = isJsonObject(object.data) ? object.data : {};
    const { result, decoded } = decodeResult(data);
    const market: MarketFacts = marketFacts(object, model, result);
    accepted.market = market;
    if (kind !== undefined && !failed) {
      if (!decoded && kind !== 'result') {
        return unrecognized(identified, received, receivedAt, { claimedKind: kind, details: ['/data/resultJson is not valid JSON'] });
      }
      accepted.payload = legacyPayload(kind, result, object);
    }
  }
  if (kind !== undefined && !failed) {
    const details = validatorOf(kind)(accepted.payload ?? object);
    if (details !== undefined) return unrecognized(identified, received, receivedAt, { claimedKind: kind, details });
  }
  const event = toEvent(accepted);
  return { names: [eventNameOf(event), 'callback'], event };
}
