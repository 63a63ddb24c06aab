import type { JSONSchemaType } from 'ajv';
import { SPELLINGS } from '../dialects.js';
import { eitherSpelling, type Spelled } from './common.js';

export interface VideoBody {
  data: Spelled<typeof SPELLINGS.videoUrl, string>;
}

// Built from the spellings table, so the compiler cannot check it against VideoBody: the cast is the price of one table.
export const videoSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: { type: 'object', required: [], ...eitherSpelling(SPELLINGS.videoUrl, { type: 'string', minLength: 1 }) },
  },
} as unknown as JSONSchemaType<VideoBody>;
