import type { JSONSchemaType } from 'ajv';

export interface VoiceBody {
  data: { voiceId: string; status?: string | number };
}

export const voiceSchema: JSONSchemaType<VoiceBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['voiceId'],
      properties: {
        voiceId: { type: 'string', minLength: 1 },
        status: { type: ['string', 'number'], nullable: true },
      },
    },
  },
};
