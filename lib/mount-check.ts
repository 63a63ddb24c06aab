import type { Logger } from './options.js';

/** The request fields Express sets on a mounted middleware: the mount point and the path below it. */
interface MountedRequest {
  method?: string | undefined;
  baseUrl?: unknown;
  path?: unknown;
}

/**
 * Detects a mount that hides every callback. Mounted with `app.use('/suno/callback', suno)` (or NestJS
 * `forRoutes('suno/callback')`), the middleware sees `req.path === '/'` and its own path never matches: every callback
 * gets the app's 404 with nothing logged. The first request that would have been a callback had the mount point been
 * part of the path logs the `path` option that fixes it, once; after that the check costs one comparison.
 *
 * @param ownPath the middleware's `path` option
 * @param matches whether a path (relative to the mount point) is one the middleware answers
 */
export function mountCheck(
  ownPath: string,
  matches: (path: string) => boolean,
  logger: Logger,
): (req: MountedRequest) => void {
  let warned = false;
  return (req) => {
    if (warned) return;
    const { baseUrl, path } = req;
    // Only Express (and what builds on it) mounts under a prefix; plain node:http has no baseUrl.
    if (typeof baseUrl !== 'string' || baseUrl === '' || typeof path !== 'string') return;
    const full = path === '/' ? baseUrl : `${baseUrl}${path}`;
    if (!matches(full)) return;
    warned = true;
    const relative = ownPath.startsWith(baseUrl) ? ownPath.slice(baseUrl.length) || '/' : '/';
    logger.warn(
      `[suno-callbacks] a ${req.method ?? ''} request for ${full} reached the middleware, but it is mounted at ` +
        `${baseUrl} and matches its \`path\` (${ownPath}) below that, so no callback can reach it. Mount it with ` +
        `app.use(suno), or pass \`path: '${relative}'\` to sunoCallbacks().`,
    );
  };
}
