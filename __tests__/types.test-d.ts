/**
 * Compile-time tests: `npm test` runs `tsc --noEmit` over this file. Each `@ts-expect-error` line must fail to compile;
 * if one ever compiles, tsc reports the unused directive and the suite fails.
 */
import { sunoCallbacks, type CallbackEvent, type DedupeStore, type TaskTimeoutEvent } from '../lib/index.js';

const suno = sunoCallbacks({ secret: 's' });

suno.on('video-ready', (event) => {
  const url: string = event.videoUrl;
  const expires: Date = event.expiresAt;
  void url;
  void expires;
  // @ts-expect-error video events have no images
  void event.images;
});
suno.on('cover-ready', async (event) => {
  const first: string | undefined = event.images[0];
  void first;
});
suno.on('failure', (event) => {
  const refunded: boolean = event.creditsRefunded;
  void refunded;
  // @ts-expect-error a failure's stage is always 'error'
  const stage: 'final' = event.stage;
  void stage;
});
suno.on('music-ready', (event) => {
  const duration: number | null | undefined = event.tracks[0]?.duration;
  void duration;
  // @ts-expect-error fields are camelCase whatever the dialect
  void event.tracks[0]?.audio_url;
});
suno.on('callback', (event: CallbackEvent) => {
  if (event.kind === 'stems' && event.stage === 'final') {
    const vocal: string | undefined = event.stems.vocal;
    void vocal;
  }
  // @ts-expect-error narrowing is needed before reading a family's field
  void event.videoUrl;
});
suno.on('error', (error) => {
  const code: string = error.code;
  void code;
});

// @ts-expect-error a wrong event name is a compile error
suno.on('video-redy', () => undefined);
// @ts-expect-error the listener's event type comes from the event map
suno.on('wav-ready', (event: { videoUrl: string }) => void event);
// @ts-expect-error an unknown option is a compile error
sunoCallbacks({ secret: 's', tolerance: 5 });
// @ts-expect-error options are typed
sunoCallbacks({ secret: 's', maxBodyBytes: '5mb' });

const minimal: DedupeStore = { claim: () => true, release: () => undefined };
void minimal;
// @ts-expect-error a store needs release()
const broken: DedupeStore = { claim: () => true };
void broken;

// Recovery Audio, Market-only results, task timeouts (issue 9).
suno.on('recovery-ready', (event) => {
  const status: 'success' | 'failed' | undefined = event.tracks[0]?.status;
  const error: string | undefined = event.tracks[0]?.error;
  const expires: Date = event.expiresAt;
  void status;
  void error;
  void expires;
  // @ts-expect-error recovery tracks are camelCase: audioUrl, not audio_url
  void event.tracks[0]?.audio_url;
  // @ts-expect-error a recovery event's kind is 'recovery'
  const kind: 'music' = event.kind;
  void kind;
});
suno.on('result-ready', (event) => {
  const model: string = event.model;
  const result: unknown = event.result;
  void model;
  void result;
  // @ts-expect-error a Market result has no tracks
  void event.tracks;
});
suno.on('music-ready', (event) => {
  // Events from a Market job carry its model; legacy ones do not.
  const model: string | undefined = event.model;
  void model;
  // @ts-expect-error the model is optional on a legacy family's event
  const required: string = event.model;
  void required;
});
suno.on('unrecognized', (event) => {
  const raw: string | undefined = event.raw;
  const details: string[] | undefined = event.details;
  void raw;
  void details;
});
const timeout: TaskTimeoutEvent = { kind: 'music', taskId: 't', expectedAt: new Date() };
void timeout;
// @ts-expect-error expectedAt is a Date
const badTimeout: TaskTimeoutEvent = { kind: 'music', taskId: 't', expectedAt: 1 };
void badTimeout;
// @ts-expect-error a wrong event name is a compile error, new events included
suno.on('recovery-redy', () => undefined);
// @ts-expect-error the listener's type comes from the map: result-ready has no videoUrl
suno.on('result-ready', (event: { videoUrl: string }) => void event);
