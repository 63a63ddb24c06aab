/** Checks shared by every options object of the package; each failure is a `TypeError` that names the option. */

/** Names the kind of a wrong value without echoing it (it may be a secret). */
export function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value;
}

function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= right.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? Math.max(a.length, b.length);
}

export function suggestion(prefix: string, name: string, known: readonly string[]): string {
  // A shortened name ("tolerance" for "toleranceSeconds") is the likeliest slip, whatever the edit distance.
  const lower = name.toLowerCase();
  const extended = known.find((candidate) => candidate.toLowerCase().startsWith(lower) && lower.length >= 4);
  if (extended !== undefined) return ` Did you mean \`${prefix}${extended}\`?`;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const closeEnough = best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 2));
  return closeEnough ? ` Did you mean \`${prefix}${best}\`?` : '';
}

/** Throws for the first key of `object` that is not in `known`, suggesting the nearest known name. */
export function rejectUnknown(prefix: string, object: object, known: readonly string[]): void {
  for (const name of Object.keys(object)) {
    if (!known.includes(name)) {
      throw new TypeError(`Unknown option \`${prefix}${name}\`.${suggestion(prefix, name, known)}`);
    }
  }
}

export function numberOption(name: string, value: unknown, fallback: number, min: number, integer = true): number {
  if (value === undefined) return fallback;
  const valid =
    typeof value === 'number' && Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value));
  if (!valid) {
    throw new TypeError(
      `\`${name}\` must be ${integer ? 'an integer' : 'a number'} of at least ${min}; received ${received(value)}.`,
    );
  }
  return value;
}

export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`\`${name}\` must be true or false; received ${received(value)}.`);
  return value;
}

/** The p-retry options the package passes through, wherever it retries. */
export const RETRY_OPTION_NAMES = ['retries', 'minTimeout', 'maxTimeout', 'factor', 'randomize', 'maxRetryTime'] as const;
