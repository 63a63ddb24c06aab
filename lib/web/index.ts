/**
 * `suno-callbacks/web`: the same pipeline as the Express middleware behind a Web-standard `fetch` handler. Nothing
 * reachable from this entry imports a `node:` module (a test bundles it for a neutral platform to keep it so).
 */
export { sunoCallbacks } from './handler.js';
export type { SunoWebCallbacks, SunoWebOptions, WebContext } from './handler.js';
export { verifyCallback } from './verify.js';
export { computeSignatureAsync } from './web-crypto.js';
export { parseCallback } from '../parse-callback.js';
export type { ParseCallbackOptions, ParseFailure, ParseResult } from '../parse-callback.js';
export type { HeadersLike, VerifyCallbackInput, VerifyResult } from '../verify-callback.js';
export { memoryStore } from '../stores/memory.js';
export type { MemoryStoreOptions } from '../stores/memory.js';
export { SunoCallbackError, ListenerError, StoreError } from '../errors.js';
export type { SunoErrorCode } from '../errors.js';
export { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../signature-core.js';
export type { SignatureFailure } from '../signature-core.js';
export { CALLBACK_KINDS, findTaskId } from '../classify.js';
export type { CallbackKind, CallbackStage } from '../classify.js';
export type { DedupeStore } from '../store.js';
export type { Logger, RetryOptions } from '../options.js';
export type * from '../events.js';
