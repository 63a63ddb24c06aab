import type { JSONSchemaType } from 'ajv';

export interface WavBody {
  data: { audioWavUrl?: string; audio_wav_url?: string };
}

export const wavSchema: JSONSchemaType<WavBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: [],
      // Optional properties must be nullable for ajv's types; each branch insists on a real string.
      anyOf: [
        { required: ['audioWavUrl'], properties: { audioWavUrl: { type: 'string', minLength: 1 } } },
        { required: ['audio_wav_url'], properties: { audio_wav_url: { type: 'string', minLength: 1 } } },
      ],
      properties: {
        audioWavUrl: { type: 'string', nullable: true, minLength: 1 },
        audio_wav_url: { type: 'string', nullable: true, minLength: 1 },
      },
    },
  },
};
