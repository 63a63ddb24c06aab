/**
 * What a forged callback can make the downloader do: bounded in assets and in bytes per event, kept to the provider's
 * hosts with the preset, and never the deprecated `source*` links unless asked.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assetsOf,
  downloadAssets,
  downloadListener,
  DownloadsFailedError,
  PROVIDER_ASSET_HOSTS,
  type DownloadOutcome,
} from '../lib/download.js';
import { hostAllowed } from '../lib/download/address-guard.js';
import { DEFAULT_MAX_ASSETS_PER_EVENT } from '../lib/download/options.js';
import { ListenerError, SunoCallbackError } from '../lib/errors.js';
import type { CallbackEvent, MusicReadyEvent, MusicTrack } from '../lib/events.js';
import { createApp, post, until } from './helpers/app.js';
import { bytes, coverEvent, FAST, serve, startAssetServer, taskId, tempDir, type AssetServer, type Route } from './helpers/asset-server.js';
import { FIXTURES_DIR } from './helpers/fixtures.js';

const reasons = (outcomes: readonly DownloadOutcome[]): string[] => outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error.reason));

function musicEvent(tracks: Array<Partial<MusicTrack>>, id = taskId()): MusicReadyEvent {
  const receivedAt = new Date();
  return {
    kind: 'music',
    taskId: id,
    stage: 'complete',
    code: 200,
    message: 'success',
    receivedAt,
    key: `music:${id}:complete`,
    body: {},
    expiresAt: new Date(receivedAt.getTime() + 14 * 86_400_000),
    tracks: tracks.map((track, index) => ({
      id: `track-${index}`,
      audioUrl: '',
      streamAudioUrl: '',
      imageUrl: '',
      prompt: '',
      modelName: 'V5',
      title: '',
      tags: '',
      createTime: '',
      duration: null,
      ...track,
    })),
  };
}

describe('download limits', () => {
  let folder: Awaited<ReturnType<typeof tempDir>>;
  const servers: AssetServer[] = [];
  const start = async (routes: Record<string, Route>): Promise<AssetServer> => {
    const server = await startAssetServer(routes);
    servers.push(server);
    return server;
  };

  beforeEach(async () => {
    folder = await tempDir();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    await folder.remove();
  });

  describe('maxAssetsPerEvent', () => {
    it('a forged cover callback with 1000 image links makes no request at all, and says why in one short error', async () => {
      const image = bytes(64, 3);
      const routes: Record<string, Route> = {};
      for (let index = 0; index < 1000; index += 1) routes[`/image-${index}.png`] = serve(image, 'image/png');
      const server = await start(routes);
      const { app, suno, of } = createApp();
      suno.on('callback', downloadListener({ dir: folder.dir, ...FAST }));
      const id = taskId();
      const body = { code: 200, msg: 'success', data: { taskId: id, images: Object.keys(routes).map((path) => server.url(path)) } };
      expect(JSON.stringify(body).length).toBeGreaterThan(30_000);
      expect((await post(app, body)).body).toEqual({ status: 'received' });
      await until(() => of('error').length === 1);
      await suno.close();

      expect(server.hits).toHaveLength(0);
      expect(await folder.files()).toEqual([]);
      const error = of('error')[0] as ListenerError;
      expect(error).toBeInstanceOf(ListenerError);
      const cause = error.cause as DownloadsFailedError;
      expect(cause).toBeInstanceOf(DownloadsFailedError);
      expect(cause.errors).toHaveLength(1000);
      expect(new Set(cause.errors.map((failure) => failure.reason))).toEqual(new Set(['too_many_assets']));
      expect(cause.errors.every((failure) => failure.attempts === 0 && failure.code === 'ERR_SUNO_DOWNLOAD')).toBe(true);
      expect(cause.errors[0]?.message).toContain(`links 1000 assets, more than maxAssetsPerEvent (${DEFAULT_MAX_ASSETS_PER_EVENT}); none was fetched`);
      // Five names, then a count: a thousand links do not make a thousand-line log entry.
      expect(cause.message).toMatch(/^1000 of 1000 asset download\(s\) failed for cover:\S+:final: .+ and 995 more$/);
      expect(cause.message.length).toBeLessThan(400);
    });

    it('an event at the limit is downloaded whole; one more asset and nothing is fetched', async () => {
      const server = await start({ '/a.png': serve(bytes(32), 'image/png') });
      const links = (count: number) => Array.from({ length: count }, () => server.url('/a.png'));
      const atLimit = await downloadAssets(coverEvent(links(3)), { dir: folder.dir, ...FAST, maxAssetsPerEvent: 3 });
      expect(reasons(atLimit)).toEqual(['ok', 'ok', 'ok']);
      expect(server.hits).toHaveLength(3);
      const over = await downloadAssets(coverEvent(links(4)), { dir: folder.dir, ...FAST, maxAssetsPerEvent: 3 });
      expect(reasons(over)).toEqual(['too_many_assets', 'too_many_assets', 'too_many_assets', 'too_many_assets']);
      expect(server.hits).toHaveLength(3);
    });

    it('counts only what would be fetched: assets a filter drops do not count', async () => {
      const server = await start({ '/a.png': serve(bytes(32), 'image/png') });
      const event = coverEvent(Array.from({ length: 30 }, () => server.url('/a.png')));
      const outcomes = await downloadAssets(event, { dir: folder.dir, ...FAST, filter: (asset) => (asset.index ?? 0) < 2 });
      expect(reasons(outcomes)).toEqual(['ok', 'ok']);
    });

    it('the default fits the largest real events: split stems with the original, and two full tracks', () => {
      const text = readFileSync(join(FIXTURES_DIR, 'stems.split-stem.sunoapi.json'), 'utf8');
      // Every `*_url` field, empty or not: the stems, the instrumental and the original.
      const stemLinks = text.match(/"[a-z_]+_url":/g)?.length ?? 0;
      expect(stemLinks).toBeGreaterThanOrEqual(13);
      expect(stemLinks).toBeLessThanOrEqual(DEFAULT_MAX_ASSETS_PER_EVENT);
      // Two tracks with audio, stream and image, and the deprecated source links too.
      const full = { audioUrl: 'https://a/1.mp3', streamAudioUrl: 'https://a/2', imageUrl: 'https://a/3.jpeg' };
      const sources = { sourceAudioUrl: 'https://a/4.mp3', sourceStreamAudioUrl: 'https://a/5', sourceImageUrl: 'https://a/6.jpeg' };
      const music = assetsOf(musicEvent([{ ...full, ...sources }, { ...full, ...sources }]));
      expect(music).toHaveLength(12);
      expect(music.length).toBeLessThanOrEqual(DEFAULT_MAX_ASSETS_PER_EVENT);
    });
  });

  describe('maxBytesPerEvent', () => {
    it('stops an event once its downloads together pass the budget: later assets are never requested', async () => {
      const file = bytes(4096, 5);
      const routes: Record<string, Route> = {};
      for (let index = 0; index < 10; index += 1) routes[`/part-${index}.png`] = serve(file, 'image/png');
      const server = await start(routes);
      const event = coverEvent(Object.keys(routes).map((path) => server.url(path)));
      const outcomes = await downloadAssets(event, { dir: folder.dir, ...FAST, concurrency: 1, maxBytesPerEvent: 10_000 });
      // 4096 + 4096 fit; the third would make 12288.
      expect(reasons(outcomes)).toEqual(['ok', 'ok', ...Array<string>(8).fill('event_too_large')]);
      expect(server.hits.map((hit) => hit.path)).toEqual(['/part-0.png', '/part-1.png', '/part-2.png']);
      expect(await folder.files()).toEqual([`${event.taskId}/cover-0.png`, `${event.taskId}/cover-1.png`]);
      const failure = outcomes[2];
      expect(failure?.ok === false && failure.error.retryable).toBe(false);
    });

    it('counts the bytes of a body sent without Content-Length as they arrive, and removes the partial file', async () => {
      const chunked: Route = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.write(bytes(6000, 1));
        res.end(bytes(6000, 2));
      };
      const server = await start({ '/a': chunked, '/b': chunked, '/c': chunked });
      const event = coverEvent([server.url('/a'), server.url('/b'), server.url('/c')]);
      const outcomes = await downloadAssets(event, { dir: folder.dir, ...FAST, concurrency: 1, maxBytesPerEvent: 20_000 });
      expect(reasons(outcomes)).toEqual(['ok', 'event_too_large', 'event_too_large']);
      expect(server.hits.map((hit) => hit.path)).toEqual(['/a', '/b']);
      expect(await folder.files()).toEqual([`${event.taskId}/cover-0.png`]);
    });

    it('options are checked: a budget must be a positive integer', () => {
      expect(() => downloadListener({ dir: folder.dir, maxBytesPerEvent: 0 })).toThrow(/`maxBytesPerEvent` must be an integer of at least 1/);
      expect(() => downloadListener({ dir: folder.dir, maxAssetsPerEvent: 2.5 })).toThrow(/`maxAssetsPerEvent` must be an integer/);
      expect(() => downloadListener({ dir: folder.dir, maxAssetPerEvent: 2 } as never)).toThrow(/Did you mean `maxAssetsPerEvent`\?/);
    });
  });

  describe('PROVIDER_ASSET_HOSTS', () => {
    it('allows every asset host in the provider fixtures (placeholder domains aside)', () => {
      const placeholders = new Set(['example.cn', 'example.com', 'your-domain.com']);
      const hosts = new Set<string>();
      for (const file of readdirSync(FIXTURES_DIR).filter((name) => name.endsWith('.json'))) {
        // Market bodies keep their result as an escaped JSON string: the links are inside it.
        const text = readFileSync(join(FIXTURES_DIR, file), 'utf8').replaceAll('\\/', '/');
        for (const match of text.matchAll(/https?:\/\/([a-z0-9.-]+)/gi)) hosts.add((match[1] ?? '').toLowerCase());
      }
      const real = [...hosts].filter((host) => !placeholders.has(host));
      expect(real).toEqual(expect.arrayContaining(['tempfile.aiquickdraw.com', 'file.aiquickdraw.com']));
      expect(real.filter((host) => !hostAllowed(host, PROVIDER_ASSET_HOSTS))).toEqual([]);
    });

    it('keeps a forged link to any other host from being requested', async () => {
      const server = await start({ '/a.png': serve(bytes(32), 'image/png') });
      const outcomes = await downloadAssets(coverEvent([server.url('/a.png')]), {
        dir: folder.dir,
        ...FAST,
        allowedHosts: PROVIDER_ASSET_HOSTS,
      });
      expect(reasons(outcomes)).toEqual(['host_not_allowed']);
      expect(server.hits).toHaveLength(0);
    });

    it('cannot be changed by one user for everyone', () => {
      expect(Object.isFrozen(PROVIDER_ASSET_HOSTS)).toBe(true);
    });
  });

  describe('deprecated source links and m4a', () => {
    it('skips sourceAudioUrl, sourceStreamAudioUrl and sourceImageUrl unless includeSourceAssets', async () => {
      const server = await start({
        '/audio.mp3': serve(bytes(100, 1), 'audio/mpeg'),
        '/source.mp3': serve(bytes(100, 2), 'audio/mpeg'),
        '/source-stream': serve(bytes(100, 3), 'audio/mpeg'),
        '/source.jpeg': serve(bytes(100, 4), 'image/jpeg'),
      });
      const track = {
        audioUrl: server.url('/audio.mp3'),
        sourceAudioUrl: server.url('/source.mp3'),
        sourceStreamAudioUrl: server.url('/source-stream'),
        sourceImageUrl: server.url('/source.jpeg'),
      };
      const event = musicEvent([track]);
      // assetsOf still lists every link; only the download skips the deprecated ones.
      expect(assetsOf(event).map((asset) => asset.kind)).toEqual(['track-audio', 'track-source-audio', 'track-source-stream', 'track-source-image']);
      const outcomes = await downloadAssets(event, { dir: folder.dir, ...FAST });
      expect(outcomes.map((outcome) => outcome.asset.kind)).toEqual(['track-audio']);
      expect(server.hits.map((hit) => hit.path)).toEqual(['/audio.mp3']);

      const opted = await downloadAssets(event, { dir: folder.dir, ...FAST, includeSourceAssets: true });
      expect(reasons(opted)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(await folder.files()).toEqual(
        ['track-0-audio.mp3', 'track-0-source-audio.mp3', 'track-0-source-image.jpeg', 'track-0-source-stream.mp3'].map(
          (name) => `${event.taskId}/${name}`,
        ),
      );
    });

    it('accepts m4a audio (audio/mp4, audio/x-m4a) and names it .m4a', async () => {
      const server = await start({
        '/recovered.m4a': serve(bytes(300, 7), 'audio/mp4'),
        '/recovered-2': serve(bytes(300, 8), 'audio/x-m4a'),
      });
      const event = musicEvent([{ audioUrl: server.url('/recovered.m4a') }, { audioUrl: server.url('/recovered-2') }]);
      const outcomes = await downloadAssets(event, { dir: folder.dir, ...FAST });
      expect(reasons(outcomes)).toEqual(['ok', 'ok']);
      expect(await folder.files()).toEqual([`${event.taskId}/track-0-audio.m4a`, `${event.taskId}/track-1-audio.m4a`]);
    });

    it('downloads the recovered tracks of a Recovery Audio event, leaving out the failed ones', async () => {
      const server = await start({ '/r0.m4a': serve(bytes(300, 9), 'audio/mp4') });
      const id = taskId();
      const event = {
        ...coverEvent([], id),
        kind: 'recovery',
        key: `recovery:${id}:final`,
        tracks: [
          { id: 'a', audioUrl: server.url('/r0.m4a'), title: 'A', status: 'success' },
          { id: 'b', audioUrl: '', title: 'B', status: 'failed', error: 'clip_error' },
        ],
      } as unknown as CallbackEvent;
      const outcomes = await downloadAssets(event, { dir: folder.dir, ...FAST });
      expect(outcomes.map((outcome) => [outcome.asset.kind, outcome.asset.trackId, outcome.ok])).toEqual([['recovered-audio', 'a', true]]);
      expect(await folder.files()).toEqual([`${id}/recovered-0-audio.m4a`]);
    });
  });

  it('DownloadsFailedError is a SunoCallbackError with a stable code', async () => {
    const server = await start({});
    const rejection = await downloadAssets(coverEvent([server.url('/missing.png')]), { dir: folder.dir, ...FAST, throwOnError: true }).catch(
      (error: unknown) => error,
    );
    expect(rejection).toBeInstanceOf(DownloadsFailedError);
    expect(rejection).toBeInstanceOf(SunoCallbackError);
    expect(rejection).toMatchObject({ code: 'ERR_SUNO_DOWNLOAD', name: 'DownloadsFailedError' });
  });
});
