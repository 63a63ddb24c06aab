import type { JSONSchemaType } from 'ajv';
import { SPELLINGS } from '../dialects.js';
import { eitherSpelling, type LooseObject, type Spelled } from './common.js';

/** docs.sunoapi.org calls the result `vocal_removal_info`, docs.kie.ai `vocal_separation_info` (see `SPELLINGS`). */
export interface StemsBody {
  data: Spelled<typeof SPELLINGS.stemsInfo, LooseObject>;
}

// A successful separation must carry its result object (null only on failure, which skips this schema). Built from
// the spellings table, so the compiler cannot check it against StemsBody: the cast is the price of one table.
export const stemsSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: { type: 'object', required: [], ...eitherSpelling(SPELLINGS.stemsInfo, { type: 'object', required: [] }) },
  },
} as unknown as JSONSchemaType<StemsBody>;
