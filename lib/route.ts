import { isCallbackKind } from './classify.js';

const NO_HINT = { hint: undefined };

/**
 * Whether a request path is ours, shared by every door: `undefined` when it is not; otherwise the `:kind` segment
 * of `{path}/:kind`, if the path has one.
 */
export function matchRoute(path: string, basePath: string, prefix: string): { hint: string | undefined } | undefined {
  if (path === basePath || path === prefix) return NO_HINT;
  if (!path.startsWith(prefix)) return undefined;
  const segment = path.endsWith('/') ? path.slice(prefix.length, -1) : path.slice(prefix.length);
  if (segment.includes('/')) return undefined;
  // `{path}//` has an empty segment: no hint, rather than an "unknown kind" warning about nothing.
  if (segment === '') return NO_HINT;
  // Mounted at the root, only known kinds are ours: `/health` and the rest of the app must still reach next().
  if (basePath === '/' && !isCallbackKind(segment)) return undefined;
  return { hint: segment };
}
