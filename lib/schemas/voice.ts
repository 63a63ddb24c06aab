import type { JSONSchemaType } from 'ajv';
import { SPELLINGS } from '../dialects.js';
import { eitherSpelling, type Spelled } from './common.js';

export interface VoiceBody {
  data: Spelled<typeof SPELLINGS.voiceId, string> & { status?: string | number };
}

const voiceId = eitherSpelling(SPELLINGS.voiceId, { type: 'string', minLength: 1 });

// Built from the spellings table, so the compiler cannot check it against VoiceBody: the cast is the price of one table.
export const voiceSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: [],
      anyOf: voiceId.anyOf,
      properties: { ...voiceId.properties, status: { type: ['string', 'number'], nullable: true } },
    },
  },
} as unknown as JSONSchemaType<VoiceBody>;
