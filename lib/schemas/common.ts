/** Provider objects whose fields the schemas leave open: normalisation reads them tolerantly. */
export type LooseObject = Record<string, unknown>;

/** An array of objects whose own fields are not constrained (the provider adds and drifts fields). */
export const looseObjects = { type: 'array', items: { type: 'object', required: [] } } as const;
