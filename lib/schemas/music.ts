import type { JSONSchemaType } from 'ajv';
import { looseObjects, type LooseObject } from './common.js';

export interface MusicBody {
  data: { callbackType: 'text' | 'first' | 'complete' | 'error'; data?: LooseObject[] | null };
}

export const musicSchema: JSONSchemaType<MusicBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['callbackType'],
      properties: {
        callbackType: { type: 'string', enum: ['text', 'first', 'complete', 'error'] },
        data: { ...looseObjects, nullable: true },
      },
    },
  },
};
