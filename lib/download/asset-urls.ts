import type { CallbackEvent, MusicTrack } from '../events.js';
import { safeSegment } from './file-names.js';
import { extensionFromPath, type AssetMedia } from './media-types.js';

/** Which link of the event an asset is. */
export type AssetKind =
  | 'cover'
  | 'track-audio'
  | 'track-stream'
  | 'track-image'
  | 'track-source-audio'
  | 'track-source-stream'
  | 'track-source-image'
  | 'recovered-audio'
  | 'wav'
  | 'stem'
  | 'stem-origin'
  | 'video';

/** One downloadable link of an event, with the file name it gets. */
export interface Asset {
  kind: AssetKind;
  /** What the file must be: decides the accepted content types. */
  media: AssetMedia;
  /** The link as the provider sent it (it may carry a signed token: do not log it). */
  url: string;
  taskId: string;
  /** Position in `event.images` (cover) or `event.tracks` (music). */
  index?: number;
  /** The track's id, for music assets. */
  trackId?: string;
  /** The stem's name (`vocal`, `backingVocals`, ...), for stems. */
  stem?: string;
  /**
   * Where the file goes, relative to `dir`, `/`-separated and without extension: `<task id>/<label>`, both parts safe
   * file names (see `safeSegment`). For example `21aee3c3c2a01fa5e030b3799fa4dd56/cover-0`. The music progress
   * stages go one folder down, `<task id>/<stage>/<label>` (`.../first/track-0-audio`), so the `complete` stage's
   * files never mistake them for its own.
   */
  name: string;
  /** The extension from the URL path when it is one the media uses; otherwise the response's content type decides. */
  extension: string | undefined;
  /** The extension when neither the URL nor the content type says. */
  fallbackExtension: string;
}

const FALLBACK: Readonly<Record<AssetMedia, string>> = { audio: 'mp3', image: 'jpg', video: 'mp4' };

/** The links the provider deprecated: downloaded only with `includeSourceAssets`. */
export const SOURCE_ASSET_KINDS: ReadonlySet<AssetKind> = new Set(['track-source-audio', 'track-source-stream', 'track-source-image']);

const TRACK_LINKS: ReadonlyArray<{ field: keyof MusicTrack; kind: AssetKind; media: AssetMedia; label: string }> = [
  { field: 'audioUrl', kind: 'track-audio', media: 'audio', label: 'audio' },
  { field: 'streamAudioUrl', kind: 'track-stream', media: 'audio', label: 'stream' },
  { field: 'imageUrl', kind: 'track-image', media: 'image', label: 'image' },
  { field: 'sourceAudioUrl', kind: 'track-source-audio', media: 'audio', label: 'source-audio' },
  { field: 'sourceStreamAudioUrl', kind: 'track-source-stream', media: 'audio', label: 'source-stream' },
  { field: 'sourceImageUrl', kind: 'track-source-image', media: 'image', label: 'source-image' },
];

function extensionOf(url: string, media: AssetMedia): string | undefined {
  try {
    return extensionFromPath(new URL(url).pathname, media);
  } catch {
    return undefined;
  }
}

/**
 * Every asset link of a normalised event, each with a stable file name under its task's folder. Events without links
 * (lyrics, MIDI, voice, failures) give an empty list. Empty links are left out.
 *
 * | event | assets (file name without extension) |
 * |---|---|
 * | `cover-ready` | `cover-<i>` for each image |
 * | `music-ready` | `track-<i>-audio`, `-stream`, `-image`, and `-source-audio`, `-source-stream`, `-source-image` when present (deprecated: not downloaded unless `includeSourceAssets`) |
 * | `music-progress` | the same, under `<stage>/` (`first/track-0-audio`) |
 * | `recovery-ready` | `recovered-<i>-audio` for each recovered track (often `.m4a`) |
 * | `wav-ready` | `wav` |
 * | `stems-ready` | `stem-<name>` for each stem, `stem-origin` |
 * | `video-ready` | `video` |
 *
 * @example
 * for (const asset of assetsOf(event)) console.log(asset.kind, asset.name);
 */
export function assetsOf(event: CallbackEvent): Asset[] {
  const progress = event.kind === 'music' && (event.stage === 'text' || event.stage === 'first');
  const folder = progress ? `${safeSegment(event.taskId)}/${event.stage}` : safeSegment(event.taskId);
  const assets: Asset[] = [];
  const add = (url: string | undefined, kind: AssetKind, media: AssetMedia, label: string, extra: Partial<Asset> = {}): void => {
    if (url === undefined || url.trim() === '') return;
    assets.push({
      kind,
      media,
      url,
      taskId: event.taskId,
      ...extra,
      name: `${folder}/${label}`,
      extension: extensionOf(url, media),
      fallbackExtension: kind === 'wav' ? 'wav' : kind === 'recovered-audio' ? 'm4a' : FALLBACK[media],
    });
  };

  if (event.stage === 'error') return assets;
  switch (event.kind) {
    case 'cover':
      event.images.forEach((url, index) => add(url, 'cover', 'image', `cover-${index}`, { index }));
      break;
    case 'music':
      event.tracks.forEach((track, index) => {
        for (const link of TRACK_LINKS) {
          const url = track[link.field];
          add(typeof url === 'string' ? url : undefined, link.kind, link.media, `track-${index}-${link.label}`, {
            index,
            trackId: track.id,
          });
        }
      });
      break;
    case 'wav':
      add(event.wavUrl, 'wav', 'audio', 'wav');
      break;
    case 'stems':
      for (const [stem, url] of Object.entries(event.stems)) {
        add(url, 'stem', 'audio', `stem-${safeSegment(stem)}`, { stem });
      }
      add(event.originUrl, 'stem-origin', 'audio', 'stem-origin');
      break;
    case 'video':
      add(event.videoUrl, 'video', 'video', 'video');
      break;
    default:
      recoveredTracks(event).forEach((track, index) => {
        add(track.audioUrl, 'recovered-audio', 'audio', `recovered-${index}-audio`, {
          index,
          ...(track.id === undefined ? {} : { trackId: track.id }),
        });
      });
      break;
  }
  return assets;
}

/**
 * The recovered tracks of a Recovery Audio event (`recovery-ready`): `{ id, audioUrl, status }`, failed ones with an
 * empty link. Read structurally, so that the download code does not depend on the shape of the other event kinds.
 */
function recoveredTracks(event: CallbackEvent): Array<{ id: string | undefined; audioUrl: string | undefined }> {
  const candidate = event as { kind: string; tracks?: unknown };
  if (candidate.kind !== 'recovery' || !Array.isArray(candidate.tracks)) return [];
  return candidate.tracks.map((track: unknown) => {
    const fields = (typeof track === 'object' && track !== null ? track : {}) as { id?: unknown; audioUrl?: unknown; status?: unknown };
    const failed = fields.status === 'failed';
    return {
      id: typeof fields.id === 'string' ? fields.id : undefined,
      audioUrl: !failed && typeof fields.audioUrl === 'string' ? fields.audioUrl : undefined,
    };
  });
}
