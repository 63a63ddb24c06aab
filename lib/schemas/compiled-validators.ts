import { CALLBACK_KINDS, type CallbackKind } from '../classify.js';
import { UNCHECKED, VALIDATORS } from './compiled.js';
import { describeError, type ValidationError } from './describe-error.js';

export type PayloadValidator = (body: unknown) => string[] | undefined;

/** The shape of a function ajv's standalone code exports. */
interface StandaloneValidator {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}

/**
 * One validator per family, from the module scripts/compile-schemas.ts generated at build time: nothing is compiled
 * from strings at run time, so the receivers run where code generation is forbidden (Cloudflare Workers, Node with
 * `--disallow-code-generation-from-strings`).
 */
export function precompiledValidators(): Record<CallbackKind, PayloadValidator> {
  const compiled = VALIDATORS as Record<string, StandaloneValidator | undefined>;
  const unchecked = new Set<string>(UNCHECKED as string[]);
  const validators = {} as Record<CallbackKind, PayloadValidator>;
  for (const kind of CALLBACK_KINDS) {
    const validate = compiled[kind];
    if (validate === undefined) {
      if (!unchecked.has(kind)) {
        throw new Error(`lib/schemas/compiled.ts has no validator for "${kind}": run \`npm run compile-schemas\`.`);
      }
      validators[kind] = () => undefined;
      continue;
    }
    validators[kind] = (body) =>
      validate(body) ? undefined : (validate.errors ?? []).slice(0, 10).map(describeError);
  }
  return validators;
}
