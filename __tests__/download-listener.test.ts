import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadListener, DownloadsFailedError, type DownloadedFile } from '../lib/download.js';
import { ListenerError } from '../lib/errors.js';
import type { CallbackEvent } from '../lib/events.js';
import { createApp, post, until } from './helpers/app.js';
import { bytes, FAST, serve, startAssetServer, taskId, tempDir, type AssetServer } from './helpers/asset-server.js';
import { fixture } from './helpers/fixtures.js';

describe('downloadListener(options) on the middleware', () => {
  let folder: Awaited<ReturnType<typeof tempDir>>;
  let server: AssetServer;
  const image = bytes(4096, 11);
  const genuine = bytes(2048, 12);
  const forged = bytes(2048, 66);

  beforeEach(async () => {
    folder = await tempDir();
    server = await startAssetServer({
      '/one.png': serve(image, 'image/png'),
      '/two.png': serve(image, 'image/png'),
      '/song.mp3': serve(genuine, 'audio/mpeg'),
      '/forged.mp3': serve(forged, 'audio/mpeg'),
      '/forged-2.mp3': serve(forged, 'audio/mpeg'),
    });
  });
  afterEach(async () => {
    await server.close();
    await folder.remove();
  });

  function coverBody(paths: string[], id = taskId()) {
    return { code: 200, msg: 'success', data: { taskId: id, images: paths.map((path) => server.url(path)) } };
  }

  it('downloads the assets of an accepted callback and hands the files to onDownloaded', async () => {
    const done: Array<{ files: DownloadedFile[]; event: CallbackEvent }> = [];
    const { app, suno, of } = createApp();
    suno.on('callback', downloadListener({ dir: folder.dir, ...FAST, onDownloaded: (files, event) => void done.push({ files, event }) }));
    const body = coverBody(['/one.png', '/two.png']);
    expect((await post(app, body)).status).toBe(200);
    await until(() => done.length === 1);
    const [{ files, event } = { files: [], event: undefined }] = done;
    expect(event?.taskId).toBe(body.data.taskId);
    expect(files.map((file) => file.path.slice(folder.dir.length + 1))).toEqual([
      `${body.data.taskId}/cover-0.png`,
      `${body.data.taskId}/cover-1.png`,
    ]);
    expect(files.every((file) => file.sha256 === createHash('sha256').update(image).digest('hex'))).toBe(true);
    expect(of('error')).toEqual([]);
    await suno.close();
  });

  it('the middleware has no `downloads` option: downloads are a listener from suno-callbacks/download', () => {
    expect(() => createApp({ downloads: { dir: folder.dir } } as never)).toThrow(/^Unknown option `downloads`\./);
  });

  it('a wrong listener option fails when the listener is created, with a TypeError naming it', () => {
    expect(() => downloadListener({ dir: folder.dir, maxByte: 10 } as never)).toThrow(/Unknown option `maxByte`\. Did you mean `maxBytes`\?/);
  });

  it('throws on a failed download, so the middleware retries and then emits `error` with the DownloadsFailedError', async () => {
    const { app, suno, of } = createApp({ retry: { retries: 1, minTimeout: 10 } });
    suno.on('callback', downloadListener({ dir: folder.dir, ...FAST, retry: { retries: 0 } }));
    const body = coverBody(['/one.png', '/missing.png']);
    await post(app, body);
    await until(() => of('error').length === 1);
    const error = of('error')[0];
    expect(error).toBeInstanceOf(ListenerError);
    expect((error as ListenerError).attempts).toBe(2);
    const cause = (error as ListenerError).cause;
    expect(cause).toBeInstanceOf(DownloadsFailedError);
    expect((cause as DownloadsFailedError).errors.map((failure) => failure.reason)).toEqual(['http_status']);
    // The second run kept the file the first one completed (skipExisting is on for the listener).
    expect(server.hitsOf('/one.png')).toHaveLength(1);
    expect(server.hitsOf('/missing.png')).toHaveLength(2);
    expect(error?.message).not.toContain('missing.png');
    await suno.close();
  });

  it('passes over events without assets and music progress stages, and downloads music when complete', async () => {
    const { app, suno, of } = createApp();
    const done: CallbackEvent[] = [];
    suno.on('callback', downloadListener({ dir: folder.dir, ...FAST, onDownloaded: (_files, event) => void done.push(event) }));
    const id = taskId();
    const track = { id: 'track-1', audio_url: server.url('/song.mp3'), stream_audio_url: '', image_url: server.url('/one.png') };
    await post(app, fixture('lyrics.complete.kie.json'));
    await post(app, { code: 200, msg: 'first', data: { callbackType: 'first', task_id: id, data: [track] } });
    await until(() => of('callback').length === 2);
    await post(app, { code: 200, msg: 'done', data: { callbackType: 'complete', task_id: id, data: [track] } });
    await until(() => done.length === 1);
    expect(done[0]?.stage).toBe('complete');
    expect(server.hits.map((hit) => hit.path).sort()).toEqual(['/one.png', '/song.mp3']);
    expect((await folder.files()).map((file) => file.split('/')[1])).toEqual(['track-0-audio.mp3', 'track-0-image.png']);
    await suno.close();
  });

  it('includeProgress: the complete stage wins, and a forged `first` stage leaves nothing on disk', async () => {
    const { app, suno } = createApp();
    const done: Array<{ stage: string; paths: string[] }> = [];
    suno.on(
      'callback',
      downloadListener({
        dir: folder.dir,
        ...FAST,
        includeProgress: true,
        onDownloaded: (files, event) => void done.push({ stage: event.stage, paths: files.map((file) => file.path.slice(folder.dir.length + 1)) }),
      }),
    );
    const id = taskId();
    const forgedTracks = [
      { id: 'x-1', audio_url: server.url('/forged.mp3'), stream_audio_url: '', image_url: '' },
      { id: 'x-2', audio_url: server.url('/forged-2.mp3'), stream_audio_url: '', image_url: '' },
    ];
    await post(app, { code: 200, msg: 'first', data: { callbackType: 'first', task_id: id, data: forgedTracks } });
    await until(() => done.length === 1);
    expect(done[0]).toEqual({ stage: 'first', paths: [`${id}/first/track-0-audio.mp3`, `${id}/first/track-1-audio.mp3`] });

    const track = { id: 'track-1', audio_url: server.url('/song.mp3'), stream_audio_url: '', image_url: '' };
    await post(app, { code: 200, msg: 'done', data: { callbackType: 'complete', task_id: id, data: [track] } });
    await until(() => done.length === 2);
    await suno.close();
    expect(done[1]).toEqual({ stage: 'complete', paths: [`${id}/track-0-audio.mp3`] });
    // Fetched although files of the first stage were there (skipExisting is on), and the first stage's files are gone.
    expect(server.hitsOf('/song.mp3')).toHaveLength(1);
    expect(await folder.files()).toEqual([`${id}/track-0-audio.mp3`]);
    expect((await readFile(join(folder.dir, id, 'track-0-audio.mp3'))).equals(genuine)).toBe(true);
  });

  it('validates its options when created', () => {
    expect(() => downloadListener({} as never)).toThrow(/`dir`/);
    expect(() => downloadListener({ dir: folder.dir, throwOnError: false } as never)).toThrow(/Unknown option `throwOnError`/);
    expect(() => downloadListener({ dir: folder.dir, includeProgress: 'yes' } as never)).toThrow(/`includeProgress`/);
  });
});
