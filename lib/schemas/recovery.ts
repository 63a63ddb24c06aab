import type { JSONSchemaType } from 'ajv';
import { looseObjects, type LooseObject } from './common.js';

/** Recovery Audio keeps its tracks in `data` itself; each track's fields are read tolerantly. */
export interface RecoveryBody {
  data: LooseObject[];
}

export const recoverySchema: JSONSchemaType<RecoveryBody> = {
  type: 'object',
  required: ['data'],
  properties: { data: looseObjects },
};
