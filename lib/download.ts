/**
 * `suno-callbacks/download`: save the files a callback links to before the provider deletes them (14 days).
 * @module
 */
export { downloadAssets } from './download/download-assets.js';
export type { DownloadedFile, DownloadFailure, DownloadOutcome } from './download/download-assets.js';
export { downloadListener } from './download/listener.js';
export type { DownloadListenerOptions } from './download/listener.js';
export { assetsOf } from './download/asset-urls.js';
export type { Asset, AssetKind } from './download/asset-urls.js';
export type { AssetMedia } from './download/media-types.js';
export { DownloadError, DownloadsFailedError } from './download/errors.js';
export type { DownloadFailureReason } from './download/errors.js';
export type { DownloadOptions, DownloadProgress } from './download/options.js';
export type { ResolvedAddress, ResolveHost } from './download/address-guard.js';
export { PROVIDER_ASSET_HOSTS } from './download/provider-hosts.js';
