/**
 * Compile-time tests: `npm test` runs `tsc --noEmit` over this file. Each `@ts-expect-error` line must fail to compile;
 * if one ever compiles, tsc reports the unused directive and the suite fails.
 */
import { sunoCallbacks, type CallbackEvent, type DedupeStore } from '../lib/index.js';

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
