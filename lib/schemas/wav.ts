import type { JSONSchemaType } from 'ajv';
import { SPELLINGS } from '../dialects.js';
import { eitherSpelling, type Spelled } from './common.js';

export interface WavBody {
  data: Spelled<typeof SPELLINGS.wavUrl, string>;
}

// Built from the spellings table, so the compiler cannot check it against WavBody: the cast is the price of one table.
export const wavSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: { type: 'object', required: [], ...eitherSpelling(SPELLINGS.wavUrl, { type: 'string', minLength: 1 }) },
  },
} as unknown as JSONSchemaType<WavBody>;
