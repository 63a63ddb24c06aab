import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: reported with a pointer to the help, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help the message points to. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Edits between two words, a swap of neighbours counting as one ("sing" is one edit from "sign", two from "send"). */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i += 1) {
    const row = rows[i] as number[];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** ` (did you mean "x"?)` for a near miss among `candidates`, or an empty string. */
export function suggestion(input: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * `parseArgs` in strict mode, with its errors rewritten as usage errors. Messages never repeat a positional value:
 * after a mistyped option, the stray value is often the secret that followed it.
 */
export function parseCommand(command: string, args: string[], options: Options, maxPositionals: number): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = /'(-{1,2}[^'=\s]+)/.exec(message)?.[1] ?? 'option';
      const known = Object.keys(options).map((key) => `--${key}`);
      throw new UsageError(`unknown option ${name}${suggestion(name, known)}`, command);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = /'(-{1,2}[^'\s<]+)/.exec(message)?.[1] ?? 'an option';
      throw new UsageError(
        message.includes('argument missing') ? `${name} needs a value` : `${name} does not take a value`,
        command,
      );
    }
    throw new UsageError(message, command);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(
      maxPositionals === 0
        ? `${command} takes no positional arguments (${parsed.positionals.length} given); options start with --`
        : `${command} takes ${maxPositionals} positional argument(s), ${parsed.positionals.length} given`,
      command,
    );
  }
  return parsed;
}

/** A string option's value, or `undefined`; an empty value is a usage error. */
export function stringOption(parsed: Parsed, name: string, command: string): string | undefined {
  const value = parsed.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`--${name} takes one value`, command);
  if (value === '') throw new UsageError(`--${name} needs a non-empty value`, command);
  return value;
}

/** A whole number option within bounds; the value is echoed in the error (never use this for secrets). */
export function integerOption(
  parsed: Parsed,
  name: string,
  command: string,
  bounds: { min: number; max: number },
): number | undefined {
  const text = stringOption(parsed, name, command);
  if (text === undefined) return undefined;
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new UsageError(
      `--${name} must be a whole number from ${bounds.min} to ${bounds.max}; got "${text.slice(0, 40)}"`,
      command,
    );
  }
  return value;
}

/** One of `choices`, with a suggestion for a near miss. */
export function choiceOption<T extends string>(
  parsed: Parsed,
  name: string,
  command: string,
  choices: readonly T[],
): T | undefined {
  const text = stringOption(parsed, name, command);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    const hint = suggestion(text, choices);
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got "${text.slice(0, 40)}"${hint}`, command);
  }
  return text as T;
}

/** The secret from `--secret`, else from `$SUNO_WEBHOOK_SECRET` (which keeps it out of shell history). */
export function secretsOption(parsed: Parsed, command: string, env: NodeJS.ProcessEnv): string[] {
  const value = parsed.values.secret;
  const given = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const secrets = given.filter((secret): secret is string => typeof secret === 'string');
  if (secrets.some((secret) => secret === '')) throw new UsageError('--secret needs a non-empty value', command);
  if (secrets.length > 0) return secrets;
  const fromEnv = env.SUNO_WEBHOOK_SECRET;
  return fromEnv !== undefined && fromEnv !== '' ? [fromEnv] : [];
}

/** Whether the user asked for help anywhere on the line (checked before anything else is validated). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  const options = end === -1 ? args : args.slice(0, end);
  return options.includes('--help') || options.includes('-h');
}
