/** Provider objects whose fields the schemas leave open: normalisation reads them tolerantly. */
export type LooseObject = Record<string, unknown>;

/** An array of objects whose own fields are not constrained (the provider adds and drifts fields). */
export const looseObjects = { type: 'array', items: { type: 'object', required: [] } } as const;

/** An object whose field may arrive under any of `Names` (see `SPELLINGS` in dialects.ts). */
export type Spelled<Names extends readonly string[], T> = { [Name in Names[number]]?: T };

/**
 * The `anyOf` and `properties` of an object that must carry one field under any of its spellings, from the one table
 * of spellings: classification accepts every spelling, so validation must too (a refused authentic callback is lost).
 * Optional properties must be nullable for ajv's types; each `anyOf` branch insists on a real value.
 */
export function eitherSpelling(names: readonly string[], value: Record<string, unknown>) {
  return {
    anyOf: names.map((name) => ({ required: [name], properties: { [name]: value } })),
    properties: Object.fromEntries(names.map((name) => [name, { ...value, nullable: true }])),
  };
}
