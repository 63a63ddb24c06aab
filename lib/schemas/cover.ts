import type { JSONSchemaType } from 'ajv';

export interface CoverBody {
  data: { images: Array<string | null> };
}

export const coverSchema: JSONSchemaType<CoverBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['images'],
      properties: { images: { type: 'array', items: { type: 'string', nullable: true } } },
    },
  },
};
