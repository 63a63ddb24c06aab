import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { CallbackKind } from '../classify.js';
import { coverSchema } from './cover.js';
import { lyricsSchema } from './lyrics.js';
import { midiSchema } from './midi.js';
import { musicSchema } from './music.js';
import { recoverySchema } from './recovery.js';
import { stemsSchema } from './stems.js';
import { videoSchema } from './video.js';
import { voicePhraseSchema } from './voice-phrase.js';
import { voiceSchema } from './voice.js';
import { wavSchema } from './wav.js';

export type PayloadValidator = (body: unknown) => string[] | undefined;

/**
 * Compiles one validator per family, once (the factory calls this). Schemas describe successful deliveries only:
 * a failure needs nothing beyond the task id and `code`, which classification has already checked.
 */
export function compileValidators(): Record<CallbackKind, PayloadValidator> {
  // Extra fields are allowed everywhere: the provider adds fields without notice. No `allErrors`: validation stops at
  // the first error, so its cost stays linear in the body (with allErrors, a 5 MB track list of [1,1,...] took 1.7 s
  // collecting an error object per item). The first error is all an `unrecognized` event needs to say why.
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
  const wrap = (validate: ValidateFunction): PayloadValidator => (body) =>
    validate(body) ? undefined : (validate.errors ?? []).slice(0, 10).map(describeError);
  return {
    music: wrap(ajv.compile(musicSchema)),
    lyrics: wrap(ajv.compile(lyricsSchema)),
    cover: wrap(ajv.compile(coverSchema)),
    wav: wrap(ajv.compile(wavSchema)),
    stems: wrap(ajv.compile(stemsSchema)),
    midi: wrap(ajv.compile(midiSchema)),
    video: wrap(ajv.compile(videoSchema)),
    'voice-phrase': wrap(ajv.compile(voicePhraseSchema)),
    voice: wrap(ajv.compile(voiceSchema)),
    recovery: wrap(ajv.compile(recoverySchema)),
    // A Market model with no legacy callback: its result is whatever the model returns, passed on as decoded.
    result: () => undefined,
  };
}

function describeError(error: ErrorObject): string {
  return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`;
}
