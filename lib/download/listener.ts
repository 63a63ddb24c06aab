import type { CallbackEvent } from '../events.js';
import { runDownloads, type DownloadedFile } from './download-assets.js';
import { DOWNLOAD_OPTION_NAMES, resolveDownloadOptions, type DownloadOptions } from './options.js';

export interface DownloadListenerOptions extends Omit<DownloadOptions, 'throwOnError' | 'skipExisting'> {
  /**
   * Keep files a previous run already completed. On by default here: when one asset fails, the middleware runs the
   * listener again, and the files that did arrive need not be fetched twice.
   * @default true
   */
  skipExisting?: boolean;
  /**
   * Also download at the music `text` and `first` stages (partial results; `complete` follows). Their files go under
   * `<task id>/<stage>/`; the `complete` stage downloads its own files whatever is there, and once they are all on
   * disk the progress stages' folders are removed: the complete stage wins.
   * @default false
   */
  includeProgress?: boolean;
  /** Called once every asset of an event is on disk, with the files (to record their paths and hashes). */
  onDownloaded?: (files: DownloadedFile[], event: CallbackEvent) => void | Promise<void>;
}

const LISTENER_OPTION_NAMES = [
  ...DOWNLOAD_OPTION_NAMES.filter((name) => name !== 'throwOnError'),
  'includeProgress',
  'onDownloaded',
] as const;

/**
 * A `callback` listener that downloads the assets of every event that has some and throws when any download fails,
 * so the middleware's retries, its `error` event and its dedupe-key release apply. Events without assets (lyrics,
 * MIDI, voice, failures) and, unless `includeProgress`, music progress stages are passed over.
 *
 * @example
 * import { downloadListener, PROVIDER_ASSET_HOSTS } from 'suno-callbacks/download';
 *
 * suno.on('callback', downloadListener({
 *   dir: './downloads',
 *   allowedHosts: PROVIDER_ASSET_HOSTS,
 *   onDownloaded: (files, event) => db.saveFiles(event.taskId, files.map((file) => file.path)),
 * }));
 */
export function downloadListener(options: DownloadListenerOptions): (event: CallbackEvent) => Promise<void> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('downloadListener() takes an options object with at least `dir`.');
  }
  const { includeProgress, onDownloaded, ...rest } = options;
  if (includeProgress !== undefined && typeof includeProgress !== 'boolean') {
    throw new TypeError('`includeProgress` must be true or false.');
  }
  if (onDownloaded !== undefined && typeof onDownloaded !== 'function') {
    throw new TypeError('`onDownloaded` must be a function.');
  }
  const resolved = {
    ...resolveDownloadOptions({ ...rest, skipExisting: rest.skipExisting ?? true }, LISTENER_OPTION_NAMES),
    throwOnError: true,
  };
  return async (event) => {
    if (event.stage === 'error') return;
    if (event.kind === 'music' && event.stage !== 'complete' && includeProgress !== true) return;
    const outcomes = await runDownloads(event, resolved);
    const files = outcomes.filter((outcome): outcome is DownloadedFile => outcome.ok);
    if (files.length > 0 && onDownloaded !== undefined) await onDownloaded(files, event);
  };
}
