import type { Logger } from './options.js';

/** The request fields Express sets on a mounted middleware: the mount point and the path below it. */
interface MountedRequest {
  method?: string | undefined;
  baseUrl?: unknown;
  path?: unknown;
}

/**
 * Detects a mount that hides every callback, and says which `path` option fixes it, once. Two cases:
 * - mounted below a prefix that includes the callback path (`app.use('/suno/callback', suno)`, NestJS
 *   `forRoutes('suno/callback')`): the middleware sees `req.path === '/'` and its own path never matches;
 * - mounted on routes that carry a prefix of their own (a NestJS global prefix: `/api/suno/callback`): the callback
 *   path arrives with something in front of it.
 * Either way every callback gets the app's 404 and nothing is logged. After the warning the check costs one test.
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
  const warn = (seen: string, fix: string, why: string): void => {
    warned = true;
    logger.warn(
      `[suno-callbacks] a POST for ${seen} reached the middleware but does not match its \`path\` (${ownPath}): ${why}. ` +
        `If callbacks are sent there, pass \`path: '${fix}'\` to sunoCallbacks().`,
    );
  };
  return (req) => {
    // Only a POST can be a callback; anything else (assets, health checks) says nothing about the mount.
    if (warned || req.method !== 'POST' || typeof req.path !== 'string') return;
    const { baseUrl, path } = req;
    if (typeof baseUrl === 'string' && baseUrl !== '') {
      const full = path === '/' ? baseUrl : `${baseUrl}${path}`;
      if (!matches(full)) return;
      const relative = ownPath.startsWith(baseUrl) ? ownPath.slice(baseUrl.length) || '/' : '/';
      warn(full, relative, `it is mounted at ${baseUrl} and matches its path below that, so no callback can reach it`);
      return;
    }
    if (ownPath === '/') return;
    const at = path.indexOf(`${ownPath}`, 1);
    if (at <= 0 || !matches(path.slice(at))) return;
    warn(path, `${path.slice(0, at)}${ownPath}`, `the route it is mounted on adds ${path.slice(0, at)} in front`);
  };
}
