import type { JSONSchemaType } from 'ajv';
import { looseObjects, type LooseObject } from './common.js';

export interface LyricsBody {
  data: { data?: LooseObject[] | null };
}

export const lyricsSchema: JSONSchemaType<LyricsBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: [],
      properties: { data: { ...looseObjects, nullable: true } },
    },
  },
};
