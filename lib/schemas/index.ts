import { Ajv, type AnySchema, type Options, type ValidateFunction } from 'ajv';
import type { CallbackKind } from '../classify.js';
import type { PayloadValidator } from './compiled-validators.js';
import { coverSchema } from './cover.js';
import { describeError } from './describe-error.js';
import { lyricsSchema } from './lyrics.js';
import { midiSchema } from './midi.js';
import { musicSchema } from './music.js';
import { recoverySchema } from './recovery.js';
import { stemsSchema } from './stems.js';
import { videoSchema } from './video.js';
import { voicePhraseSchema } from './voice-phrase.js';
import { voiceSchema } from './voice.js';
import { wavSchema } from './wav.js';

export type { PayloadValidator };

/**
 * One schema per family (`undefined`: the family's body is not checked). Schemas describe successful deliveries
 * only: a failure needs nothing beyond the task id and `code`, which classification has already checked.
 * scripts/compile-schemas.ts compiles this record, with AJV_OPTIONS, into lib/schemas/compiled.ts: the receivers load
 * that, so no door generates code at run time.
 */
export const SCHEMAS: Record<CallbackKind, AnySchema | undefined> = {
  music: musicSchema,
  lyrics: lyricsSchema,
  cover: coverSchema,
  wav: wavSchema,
  stems: stemsSchema,
  midi: midiSchema,
  video: videoSchema,
  'voice-phrase': voicePhraseSchema,
  voice: voiceSchema,
  recovery: recoverySchema,
  // A Market model with no legacy callback: its result is whatever the model returns, passed on as decoded.
  result: undefined,
};

/**
 * Extra fields are allowed everywhere: the provider adds fields without notice. No `allErrors`: validation stops at
 * the first error, so its cost stays linear in the body (with allErrors, a 5 MB track list of [1,1,...] took 1.7 s
 * collecting an error object per item). The first error is all an `unrecognized` event needs to say why.
 */
export const AJV_OPTIONS: Options = { allErrors: false, strict: true, allowUnionTypes: true };

/**
 * Compiles the validators at run time, from the same schemas and options as the build step. The receivers do not
 * call it (it generates code from strings); the tests use it to check the precompiled module is current.
 */
export function compileValidators(): Record<CallbackKind, PayloadValidator> {
  const ajv = new Ajv(AJV_OPTIONS);
  const wrap = (validate: ValidateFunction): PayloadValidator => (body) =>
    validate(body) ? undefined : (validate.errors ?? []).slice(0, 10).map(describeError);
  const validators = {} as Record<CallbackKind, PayloadValidator>;
  for (const [kind, schema] of Object.entries(SCHEMAS) as Array<[CallbackKind, AnySchema | undefined]>) {
    validators[kind] = schema === undefined ? () => undefined : wrap(ajv.compile(schema));
  }
  return validators;
}
