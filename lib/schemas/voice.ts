import type { JSONSchemaType } from 'ajv';

export interface VoiceBody {
  data: { voiceId?: string; voice_id?: string; status?: string | number };
}

export const voiceSchema: JSONSchemaType<VoiceBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: [],
      // Classification accepts either spelling, so validation must too: a refused authentic callback is lost.
      anyOf: [
        { required: ['voiceId'], properties: { voiceId: { type: 'string', minLength: 1 } } },
        { required: ['voice_id'], properties: { voice_id: { type: 'string', minLength: 1 } } },
      ],
      properties: {
        voiceId: { type: 'string', nullable: true },
        voice_id: { type: 'string', nullable: true },
        status: { type: ['string', 'number'], nullable: true },
      },
    },
  },
};
