import type { JSONSchemaType } from 'ajv';
import { SPELLINGS } from '../dialects.js';
import { eitherSpelling, type Spelled } from './common.js';

export interface VoicePhraseBody {
  data: Spelled<typeof SPELLINGS.phrase, string | number> & { status?: string | number };
}

const phrase = eitherSpelling(SPELLINGS.phrase, { type: ['string', 'number'] });

// Built from the spellings table, so the compiler cannot check it against the body type: the cast is the price of one table.
export const voicePhraseSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: [],
      anyOf: phrase.anyOf,
      properties: { ...phrase.properties, status: { type: ['string', 'number'], nullable: true } },
    },
  },
} as unknown as JSONSchemaType<VoicePhraseBody>;
