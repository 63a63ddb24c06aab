import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
// Names Windows refuses for a file or folder, whatever the extension.
const RESERVED = /^(?:con|prn|aux|nul|com\d|lpt\d)(?:\..*)?$/i;

/**
 * A file-name segment made from text the provider chose (a task id, a stem name): kept as is when it is already
 * plain, otherwise every other character becomes `_` and a short hash of the original is appended, so two ids that
 * differ only in unsafe characters (`ab*c`, `ab?c`) still get different folders, the same ones every time.
 *
 * @example
 * safeSegment('21aee3c3c2a01fa5'); // '21aee3c3c2a01fa5'
 * safeSegment('2fac****9f72');     // '2fac____9f72-<8 hex digits>'
 * safeSegment('../../etc');        // '.._.._etc-<8 hex digits>' (never a path)
 */
export function safeSegment(raw: string): string {
  if (SAFE.test(raw) && !RESERVED.test(raw) && !raw.endsWith('.')) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  const cleaned = raw
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 80);
  return cleaned === '' ? `x-${hash}` : `${cleaned}-${hash}`;
}

/**
 * `relativePath` resolved under `dir`; throws when the result would leave `dir`. The segments are already safe, so
 * this only fires on a bug: it is the last line of defence, not the first.
 */
export function pathInside(dir: string, relativePath: string): string {
  const root = resolve(dir);
  const target = resolve(root, relativePath);
  const rel = relative(root, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new Error(`refusing a file name that leaves the download folder: ${relativePath}`);
  }
  return target;
}
