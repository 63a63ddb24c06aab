import type { JSONSchemaType } from 'ajv';

export interface VideoBody {
  data: { video_url?: string; videoUrl?: string };
}

export const videoSchema: JSONSchemaType<VideoBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: [],
      // Optional properties must be nullable for ajv's types; each branch insists on a real string.
      anyOf: [
        { required: ['video_url'], properties: { video_url: { type: 'string', minLength: 1 } } },
        { required: ['videoUrl'], properties: { videoUrl: { type: 'string', minLength: 1 } } },
      ],
      properties: {
        video_url: { type: 'string', nullable: true, minLength: 1 },
        videoUrl: { type: 'string', nullable: true, minLength: 1 },
      },
    },
  },
};
