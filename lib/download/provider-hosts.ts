/**
 * The hosts the provider (sunoapi.org and kie.ai) has served callback asset links from, for `allowedHosts`.
 *
 * Gathered from the provider's documented callback bodies and from bodies delivered live:
 * - `tempfile.aiquickdraw.com`: covers, Market music audio (kie.ai and sunoapi.org);
 * - `file.aiquickdraw.com`: vocal separation stems;
 * - `musicfile.api.box`: sunoapi.org track audio, stream and image;
 * - `musicfile.kie.ai`, `audiostream.kie.ai`: kie.ai track stream and image links;
 * - `cdn1.suno.ai`, `cdn2.suno.ai`: Suno's own CDN (track images; the deprecated `source*` links);
 * - `mfile.erweima.ai`, `apiboxfiles.erweima.ai`: older sunoapi.org stream and image links.
 *
 * The provider may add a host at any time: a download refused with reason `host_not_allowed` names the host (never
 * the URL), so extend the list with `[...PROVIDER_ASSET_HOSTS, 'new.host.example']`.
 *
 * @example
 * suno.on('callback', downloadListener({ dir: './downloads', allowedHosts: PROVIDER_ASSET_HOSTS }));
 */
export const PROVIDER_ASSET_HOSTS: readonly string[] = Object.freeze([
  'tempfile.aiquickdraw.com',
  'file.aiquickdraw.com',
  'musicfile.api.box',
  'musicfile.kie.ai',
  'audiostream.kie.ai',
  'cdn1.suno.ai',
  'cdn2.suno.ai',
  'mfile.erweima.ai',
  'apiboxfiles.erweima.ai',
]);
