/** What an asset is expected to contain; decides the accepted content types and the file extensions. */
export type AssetMedia = 'audio' | 'image' | 'video';

/** Content types accepted per media, as `type/subtype` or `type/*` patterns; replace them with `contentTypes`. */
export const DEFAULT_CONTENT_TYPES: Readonly<Record<AssetMedia, readonly string[]>> = {
  // Object stores often serve files uploaded without a type as octet-stream (S3: binary/octet-stream).
  audio: ['audio/*', 'application/octet-stream', 'binary/octet-stream'],
  image: ['image/*', 'application/octet-stream', 'binary/octet-stream'],
  video: ['video/*', 'application/octet-stream', 'binary/octet-stream'],
};

/** Extensions taken from a URL path only when they belong to the media: a link ending in `.php` or `.exe` names nothing. */
const EXTENSIONS: Readonly<Record<AssetMedia, ReadonlySet<string>>> = {
  audio: new Set(['mp3', 'wav', 'm4a', 'aac', 'ogg', 'opus', 'flac', 'webm']),
  image: new Set(['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif']),
  video: new Set(['mp4', 'webm', 'mov', 'm4v']),
};

const BY_CONTENT_TYPE: Readonly<Record<string, string>> = {
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/wav': 'wav',
  'audio/wave': 'wav',
  'audio/x-wav': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/aac': 'aac',
  'audio/ogg': 'ogg',
  'audio/opus': 'opus',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/webm': 'webm',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
};

/** The extensions a file of this media may have, for finding an earlier download whose extension the URL did not tell. */
export function extensionsFor(media: AssetMedia): readonly string[] {
  return [...EXTENSIONS[media]];
}

/** The media type without parameters, lower-cased; `undefined` when the header is missing or empty. */
export function mediaTypeOf(header: string | undefined): string | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type === undefined || type === '' ? undefined : type;
}

/** The extension of the URL's last path segment, when it is one this media uses. */
export function extensionFromPath(pathname: string, media: AssetMedia): string | undefined {
  const match = /\.([A-Za-z0-9]{1,5})$/.exec(pathname);
  const extension = match?.[1]?.toLowerCase();
  return extension !== undefined && EXTENSIONS[media].has(extension) ? extension : undefined;
}

/** The extension a content type implies, when it is one this media uses. */
export function extensionFromContentType(mediaType: string | undefined, media: AssetMedia): string | undefined {
  const extension = mediaType === undefined ? undefined : BY_CONTENT_TYPE[mediaType];
  return extension !== undefined && EXTENSIONS[media].has(extension) ? extension : undefined;
}

/**
 * Whether `mediaType` matches one of `patterns` (`audio/*`, `audio/mpeg`). A response without a content type counts as
 * `application/octet-stream`, which is what HTTP says a recipient may assume.
 */
export function contentTypeAccepted(mediaType: string | undefined, patterns: readonly string[]): boolean {
  const type = mediaType ?? 'application/octet-stream';
  return patterns.some((pattern) => {
    const normalised = pattern.trim().toLowerCase();
    if (normalised === '*/*' || normalised === '*') return true;
    if (normalised.endsWith('/*')) return type.startsWith(normalised.slice(0, -1));
    return type === normalised;
  });
}
