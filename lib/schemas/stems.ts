import type { JSONSchemaType } from 'ajv';
import type { LooseObject } from './common.js';

/** docs.sunoapi.org calls the result `vocal_removal_info`, docs.kie.ai `vocal_separation_info`. */
export interface StemsBody {
  data: {
    vocal_removal_info?: LooseObject;
    vocal_separation_info?: LooseObject;
    vocalRemovalInfo?: LooseObject;
    vocalSeparationInfo?: LooseObject;
  };
}

const info = { type: 'object', required: [], nullable: true } as const;

export const stemsSchema: JSONSchemaType<StemsBody> = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: [],
      // A successful separation must carry its result object (null only on failure, which skips this schema).
      anyOf: [
        { required: ['vocal_removal_info'], properties: { vocal_removal_info: { type: 'object' } } },
        { required: ['vocal_separation_info'], properties: { vocal_separation_info: { type: 'object' } } },
        { required: ['vocalRemovalInfo'], properties: { vocalRemovalInfo: { type: 'object' } } },
        { required: ['vocalSeparationInfo'], properties: { vocalSeparationInfo: { type: 'object' } } },
      ],
      properties: {
        vocal_removal_info: info,
        vocal_separation_info: info,
        vocalRemovalInfo: info,
        vocalSeparationInfo: info,
      },
    },
  },
};
