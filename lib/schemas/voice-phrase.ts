import type { JSONSchemaType } from 'ajv';

export interface VoicePhraseBody {
  data: { validateInfo?: string | number; validate_info?: string | number; status?: string | number };
}

const phrase = { type: ['string', 'number'] } as const;

export const voicePhraseSchema: JSONSchemaType<VoicePhraseBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: [],
      // Classification accepts either spelling, so validation must too: a refused authentic callback is lost.
      anyOf: [
        { required: ['validateInfo'], properties: { validateInfo: phrase } },
        { required: ['validate_info'], properties: { validate_info: phrase } },
      ],
      properties: {
        validateInfo: { ...phrase, nullable: true },
        validate_info: { ...phrase, nullable: true },
        status: { type: ['string', 'number'], nullable: true },
      },
    },
  },
};
