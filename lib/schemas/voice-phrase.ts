import type { JSONSchemaType } from 'ajv';

export interface VoicePhraseBody {
  data: { validateInfo: string; status?: string | number };
}

export const voicePhraseSchema: JSONSchemaType<VoicePhraseBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['validateInfo'],
      properties: {
        validateInfo: { type: 'string' },
        status: { type: ['string', 'number'], nullable: true },
      },
    },
  },
};
