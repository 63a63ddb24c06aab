import type { JSONSchemaType } from 'ajv';
import { looseObjects, type LooseObject } from './common.js';

export interface MidiBody {
  data: { instruments: Array<{ name?: string | number; notes?: LooseObject[] }> };
}

export const midiSchema: JSONSchemaType<MidiBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['instruments'],
      properties: {
        instruments: {
          type: 'array',
          items: {
            type: 'object',
            required: [],
            properties: {
              name: { type: ['string', 'number'], nullable: true },
              notes: { ...looseObjects, nullable: true },
            },
          },
        },
      },
    },
  },
};
