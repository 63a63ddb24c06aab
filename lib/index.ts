export { sunoCallbacks } from './middleware.js';
export type { SunoCallbacks } from './middleware.js';
export type { CloseReport } from './in-process-delivery.js';
export { memoryStore } from './stores/memory.js';
export type { MemoryStoreOptions } from './stores/memory.js';
export { SunoCallbackError, ListenerError, StoreError } from './errors.js';
export { ReconcileError } from './reconcile/errors.js';
export type { ReconcileOptions } from './reconcile/options.js';
export type { ExpectOptions } from './reconcile/reconciler.js';
export type { SunoErrorCode } from './errors.js';
export { computeSignature, signatureHeaders, checkSignature, verifyCallback } from './signature.js';
export type { SignatureCheck, SignatureFailure, SignatureInput } from './signature.js';
export type { HeadersLike, VerifyCallbackInput, VerifyResult } from './verify-callback.js';
export { parseCallback } from './parse-callback.js';
export type { ParseCallbackOptions, ParseFailure, ParseResult } from './parse-callback.js';
export { CALLBACK_KINDS, findTaskId } from './classify.js';
export type { CallbackKind, CallbackStage } from './classify.js';
export type { DedupeStore, SignatureUse, SignedClaimOutcome, SignedClaimStore } from './store.js';
export type { Logger, RetryOptions, SunoCallbacksOptions } from './options.js';
export type { AnswerCode, CallbackOutcome, StoreOperation } from './answer-codes.js';
export type { AttemptInfo, CallbackIdentity, RequestTelemetry, Telemetry } from './telemetry/telemetry.js';
export type {
  BaseEvent,
  AssetEvent,
  CallbackEvent,
  CoverReadyEvent,
  DuplicateEvent,
  FailureEvent,
  LyricsItem,
  LyricsReadyEvent,
  MidiInstrument,
  MidiNote,
  MidiReadyEvent,
  MusicProgressEvent,
  MusicReadyEvent,
  MusicTrack,
  RecoveryReadyEvent,
  RecoveryTrack,
  RejectedEvent,
  ResultReadyEvent,
  StemName,
  Stems,
  StemsReadyEvent,
  SunoEventMap,
  SunoEventName,
  SunoListener,
  TaskTimeoutEvent,
  UnrecognizedEvent,
  VideoReadyEvent,
  VoicePhraseReadyEvent,
  VoiceReadyEvent,
  WavReadyEvent,
} from './events.js';
