import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadAssets, DownloadError, DownloadsFailedError, type DownloadOutcome, type DownloadProgress } from '../lib/download.js';
import { SunoCallbackError } from '../lib/errors.js';
import { bytes, coverEvent, FAST, serve, startAssetServer, tempDir, videoEvent, type AssetServer, type Route } from './helpers/asset-server.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function only(outcomes: DownloadOutcome[]): DownloadOutcome {
  expect(outcomes).toHaveLength(1);
  return outcomes[0] as DownloadOutcome;
}

function failureOf(outcome: DownloadOutcome): DownloadError {
  if (outcome.ok) throw new Error(`expected a failure, got ${outcome.path}`);
  return outcome.error;
}

describe('downloadAssets()', () => {
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

  it('retries 503 until it gets 200, and returns the path, size and SHA-256 of exactly the bytes served', async () => {
    const body = bytes(200_000);
    const server = await start({
      '/flaky.png': (req, res, hit) => (hit <= 2 ? res.writeHead(503).end('busy') : serve(body, 'image/png')(req, res, hit)),
    });
    const event = coverEvent([server.url('/flaky.png')]);
    const outcome = only(await downloadAssets(event, { dir: folder.dir, ...FAST }));
    if (!outcome.ok) throw outcome.error;
    expect(outcome.attempts).toBe(3);
    expect(server.hitsOf('/flaky.png')).toHaveLength(3);
    expect(outcome.size).toBe(body.length);
    expect(outcome.sha256).toBe(sha256(body));
    expect(outcome.contentType).toBe('image/png');
    expect(outcome.skipped).toBe(false);
    expect(outcome.path).toBe(join(folder.dir, event.taskId, 'cover-0.png'));
    expect((await readFile(outcome.path)).equals(body)).toBe(true);
    expect(await folder.files()).toEqual([`${event.taskId}/cover-0.png`]);
  });

  it('abandons a server that stalls mid-body (idle timeout) and retries', async () => {
    const body = bytes(50_000, 2);
    const server = await start({
      '/stall.mp4': (_req, res, hit) => {
        res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': body.length });
        if (hit === 1) res.write(body.subarray(0, 10_000)); // ...and never another byte
        else res.end(body);
      },
    });
    const outcome = only(await downloadAssets(videoEvent(server.url('/stall.mp4')), { dir: folder.dir, ...FAST }));
    if (!outcome.ok) throw outcome.error;
    expect(outcome.attempts).toBe(2);
    expect(outcome.sha256).toBe(sha256(body));
    expect(await folder.files()).toHaveLength(1);
  });

  it('gives up on a server that always stalls, with reason "stalled", retryable, and leaves nothing behind', async () => {
    const server = await start({
      '/stall.mp4': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': 1000 });
        res.write(Buffer.alloc(10));
      },
    });
    const retry = { retries: 1, minTimeout: 10 };
    const error = failureOf(only(await downloadAssets(videoEvent(server.url('/stall.mp4')), { dir: folder.dir, ...FAST, retry })));
    expect(error.reason).toBe('stalled');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(2);
    expect(await folder.files()).toEqual([]);
  });

  it('enforces the per-attempt timeout even while bytes keep trickling in', async () => {
    const server = await start({
      '/slow.mp4': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'video/mp4' });
        const timer = setInterval(() => res.write(Buffer.alloc(1)), 20);
        res.once('close', () => clearInterval(timer));
      },
    });
    const options = { dir: folder.dir, ...FAST, timeoutMs: 250, retry: { retries: 0 } };
    const error = failureOf(only(await downloadAssets(videoEvent(server.url('/slow.mp4')), options)));
    expect(error.reason).toBe('timeout');
    expect(error.attempts).toBe(1);
    expect(await folder.files()).toEqual([]);
  });

  it('aborts a body that grows past maxBytes, does not retry, and leaves no file', async () => {
    const server = await start({
      '/huge.mp4': (_req, res) => {
        // No Content-Length: only counting the streamed bytes can catch it.
        res.writeHead(200, { 'Content-Type': 'video/mp4' });
        const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024)), 1);
        res.once('close', () => clearInterval(timer));
      },
    });
    const error = failureOf(only(await downloadAssets(videoEvent(server.url('/huge.mp4')), { dir: folder.dir, ...FAST, maxBytes: 100_000 })));
    expect(error.reason).toBe('too_large');
    expect(error.attempts).toBe(1);
    expect(server.hitsOf('/huge.mp4')).toHaveLength(1);
    expect(await folder.files()).toEqual([]);
  });

  it('refuses a Content-Length above maxBytes before reading the body', async () => {
    const server = await start({ '/big.mp4': serve(bytes(5000), 'video/mp4') });
    const error = failureOf(only(await downloadAssets(videoEvent(server.url('/big.mp4')), { dir: folder.dir, ...FAST, maxBytes: 4999 })));
    expect(error.reason).toBe('too_large');
    expect(error.message).toMatch(/Content-Length 5000/);
    expect(await folder.files()).toEqual([]);
  });

  it('does not retry a 404: one request, a typed error that names the host but not the path or query', async () => {
    const server = await start({});
    const url = `${server.url('/private-path/file.png')}?token=SIGNED-SECRET`;
    const error = failureOf(only(await downloadAssets(coverEvent([url]), { dir: folder.dir, ...FAST })));
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toBeInstanceOf(SunoCallbackError);
    expect(error.code).toBe('ERR_SUNO_DOWNLOAD');
    expect(error).toMatchObject({ reason: 'http_status', status: 404, retryable: false, attempts: 1 });
    expect(server.hits).toHaveLength(1);
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
    const everything = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    expect(everything).not.toMatch(/SIGNED-SECRET|private-path/);
  });

  it('waits for Retry-After on 429 before trying again', async () => {
    const body = bytes(1000, 3);
    const server = await start({
      '/limited.png': (req, res, hit) =>
        hit === 1 ? res.writeHead(429, { 'Retry-After': '1' }).end() : serve(body, 'image/png')(req, res, hit),
    });
    const outcome = only(await downloadAssets(coverEvent([server.url('/limited.png')]), { dir: folder.dir, ...FAST }));
    if (!outcome.ok) throw outcome.error;
    expect(outcome.attempts).toBe(2);
    const [first, second] = server.hitsOf('/limited.png');
    // The backoff alone is 10 ms: only Retry-After explains a gap of about a second.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('refuses a content type that does not fit the asset, without retrying', async () => {
    const server = await start({ '/cover.png': serve(Buffer.from('<html>login</html>'), 'text/html; charset=utf-8') });
    const error = failureOf(only(await downloadAssets(coverEvent([server.url('/cover.png')]), { dir: folder.dir, ...FAST })));
    expect(error.reason).toBe('content_type');
    expect(error.message).toContain('text/html');
    expect(error.attempts).toBe(1);
    expect(await folder.files()).toEqual([]);
  });

  it('accepts application/octet-stream and a missing content type; `contentTypes` narrows or disables the check', async () => {
    const body = bytes(100, 4);
    const server = await start({
      '/octet.png': serve(body, 'application/octet-stream'),
      '/none.png': (_req, res) => res.writeHead(200, { 'Content-Length': body.length }).end(body),
      '/webp.png': serve(body, 'image/webp'),
      '/text.png': serve(body, 'text/plain'),
    });
    const event = coverEvent(['/octet.png', '/none.png', '/webp.png', '/text.png'].map((path) => server.url(path)));
    const defaults = await downloadAssets(event, { dir: folder.dir, ...FAST });
    expect(defaults.map((outcome) => outcome.ok)).toEqual([true, true, true, false]);
    const narrowed = await downloadAssets(event, { dir: folder.dir, ...FAST, contentTypes: { image: ['image/png'] } });
    expect(narrowed.map((outcome) => outcome.ok)).toEqual([false, false, false, false]);
    const anything = await downloadAssets(event, { dir: folder.dir, ...FAST, contentTypes: false });
    expect(anything.map((outcome) => outcome.ok)).toEqual([true, true, true, true]);
  });

  it('follows a redirect chain (relative and absolute, 301/302/307) to the file', async () => {
    const body = bytes(3000, 5);
    const server = await start({
      '/a': (_req, res) => res.writeHead(302, { Location: '/b' }).end(),
      '/b': (_req, res) => res.writeHead(301, { Location: server.url('/c') }).end(),
      '/c': (_req, res) => res.writeHead(307, { Location: 'final.mp4?sig=1' }).end(),
      '/final.mp4': serve(body, 'video/mp4'),
    });
    const outcome = only(await downloadAssets(videoEvent(server.url('/a')), { dir: folder.dir, ...FAST }));
    if (!outcome.ok) throw outcome.error;
    expect(outcome.sha256).toBe(sha256(body));
    expect(server.hits.map((hit) => hit.path)).toEqual(['/a', '/b', '/c', '/final.mp4']);
  });

  it('stops after maxRedirects, without retrying', async () => {
    const server = await start({ '/loop': (_req, res) => res.writeHead(302, { Location: '/loop' }).end() });
    const error = failureOf(only(await downloadAssets(videoEvent(server.url('/loop')), { dir: folder.dir, ...FAST, maxRedirects: 3 })));
    expect(error.reason).toBe('too_many_redirects');
    expect(server.hits).toHaveLength(4);
  });

  it('reports progress with increasing byte counts that end at the file size', async () => {
    const body = bytes(300_000, 6);
    const server = await start({
      '/chunks.mp4': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': body.length });
        let offset = 0;
        const next = (): void => {
          if (offset >= body.length) {
            res.end();
            return;
          }
          res.write(body.subarray(offset, offset + 50_000));
          offset += 50_000;
          setTimeout(next, 2);
        };
        next();
      },
    });
    const seen: DownloadProgress[] = [];
    const outcome = only(
      await downloadAssets(videoEvent(server.url('/chunks.mp4')), { dir: folder.dir, ...FAST, onProgress: (progress) => seen.push(progress) }),
    );
    if (!outcome.ok) throw outcome.error;
    expect(seen.length).toBeGreaterThan(1);
    const counts = seen.map((progress) => progress.receivedBytes);
    counts.forEach((count, index) => {
      if (index > 0) expect(count).toBeGreaterThan(counts[index - 1] ?? 0);
    });
    expect(counts.at(-1)).toBe(body.length);
    expect(seen.every((progress) => progress.totalBytes === body.length && progress.attempt === 1)).toBe(true);
    expect(seen[0]?.asset.kind).toBe('video');
  });

  it('retries a body cut short of its Content-Length and a reset connection', async () => {
    const body = bytes(20_000, 7);
    const server = await start({
      '/cut.png': (req, res, hit) => {
        if (hit > 1) return serve(body, 'image/png')(req, res, hit);
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': body.length });
        res.write(body.subarray(0, 5000), () => res.destroy());
      },
      '/reset.png': (req, res, hit) => (hit === 1 ? req.socket.destroy() : serve(body, 'image/png')(req, res, hit)),
    });
    const outcomes = await downloadAssets(coverEvent([server.url('/cut.png'), server.url('/reset.png')]), { dir: folder.dir, ...FAST });
    for (const outcome of outcomes) {
      if (!outcome.ok) throw outcome.error;
      expect(outcome.attempts).toBe(2);
      expect(outcome.sha256).toBe(sha256(body));
    }
    expect(await folder.files()).toHaveLength(2);
  });

  it('runs at most `concurrency` downloads of one event at once', async () => {
    const body = bytes(100, 8);
    const slow: Route = (req, res, hit) => setTimeout(() => serve(body, 'image/png')(req, res, hit), 80);
    const paths = ['/1.png', '/2.png', '/3.png', '/4.png', '/5.png'];
    const server = await start(Object.fromEntries(paths.map((path) => [path, slow])));
    const outcomes = await downloadAssets(coverEvent(paths.map((path) => server.url(path))), { dir: folder.dir, ...FAST, concurrency: 2 });
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(server.maxActive).toBe(2);
    expect(outcomes.map((outcome) => outcome.asset.name.split('/')[1])).toEqual(['cover-0', 'cover-1', 'cover-2', 'cover-3', 'cover-4']);
  });

  it('names a file from the content type when the URL has no extension', async () => {
    const server = await start({ '/cover': serve(bytes(10), 'image/webp'), '/clip': serve(bytes(10), 'application/octet-stream') });
    const event = coverEvent([server.url('/cover'), server.url('/clip')]);
    await downloadAssets(event, { dir: folder.dir, ...FAST });
    // octet-stream says nothing: the media's default extension.
    expect(await folder.files()).toEqual([`${event.taskId}/cover-0.webp`, `${event.taskId}/cover-1.jpg`]);
  });

  it('returns every outcome by default, and with throwOnError rejects with a DownloadsFailedError that keeps the successes', async () => {
    const server = await start({ '/ok.png': serve(bytes(10), 'image/png') });
    const event = coverEvent([server.url('/ok.png'), server.url('/missing.png')]);
    const outcomes = await downloadAssets(event, { dir: folder.dir, ...FAST });
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false]);

    const rejection = await downloadAssets(event, { dir: folder.dir, ...FAST, throwOnError: true }).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(DownloadsFailedError);
    expect(rejection).toBeInstanceOf(SunoCallbackError);
    const failed = rejection as DownloadsFailedError;
    expect(failed.code).toBe('ERR_SUNO_DOWNLOAD');
    expect(failed.errors).toHaveLength(1);
    expect(failed.errors[0]).toMatchObject({ reason: 'http_status', status: 404, assetName: `${event.taskId}/cover-1` });
    expect(failed.outcomes.map((outcome) => outcome.ok)).toEqual([true, false]);
    expect(failed.message).toContain(event.key);
    expect(failed.message).not.toContain('missing.png');
  });

  it('skipExisting keeps a complete earlier download and does not fetch it again', async () => {
    const body = bytes(500, 9);
    const server = await start({ '/a.png': serve(body, 'image/png'), '/b': serve(body, 'image/png') });
    const event = coverEvent([server.url('/a.png'), server.url('/b')]);
    const first = await downloadAssets(event, { dir: folder.dir, ...FAST });
    const second = await downloadAssets(event, { dir: folder.dir, ...FAST, skipExisting: true });
    expect(server.hits).toHaveLength(2);
    expect(second.map((outcome) => outcome.ok && outcome.skipped)).toEqual([true, true]);
    expect(second.map((outcome) => outcome.ok && outcome.sha256)).toEqual(first.map((outcome) => outcome.ok && outcome.sha256));
    // Without it the file is fetched again and replaced whole.
    await writeFile(join(folder.dir, event.taskId, 'cover-0.png'), 'stale');
    const third = await downloadAssets(event, { dir: folder.dir, ...FAST });
    expect(third[0]?.ok && third[0].sha256).toBe(sha256(body));
    expect(server.hits).toHaveLength(4);
  });

  it('stops on the caller\'s signal with reason "aborted" and leaves no temporary file', async () => {
    const server = await start({
      '/endless.mp4': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'video/mp4' });
        const timer = setInterval(() => res.write(Buffer.alloc(1024)), 5);
        res.once('close', () => clearInterval(timer));
      },
    });
    const controller = new AbortController();
    const started = downloadAssets(videoEvent(server.url('/endless.mp4')), {
      dir: folder.dir,
      ...FAST,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.receivedBytes > 20_000) controller.abort();
      },
    });
    const error = failureOf(only(await started));
    expect(error.reason).toBe('aborted');
    expect(await folder.files()).toEqual([]);
  });

  it('downloads only what `filter` keeps', async () => {
    const server = await start({ '/a.png': serve(bytes(10), 'image/png'), '/b.png': serve(bytes(10), 'image/png') });
    const outcomes = await downloadAssets(coverEvent([server.url('/a.png'), server.url('/b.png')]), {
      dir: folder.dir,
      ...FAST,
      filter: (asset) => asset.index === 1,
    });
    expect(outcomes.map((outcome) => outcome.asset.index)).toEqual([1]);
    expect(server.hits.map((hit) => hit.path)).toEqual(['/b.png']);
  });

  it('fails an unparsable link with "invalid_url" and no request', async () => {
    const error = failureOf(only(await downloadAssets(coverEvent(['not a url']), { dir: folder.dir, ...FAST })));
    expect(error).toMatchObject({ reason: 'invalid_url', host: undefined });
    expect(error.message).not.toContain('not a url');
  });

  it('validates its options with TypeErrors that name the option', async () => {
    const event = coverEvent([]);
    await expect(downloadAssets(event, {} as never)).rejects.toThrow(/`dir`/);
    await expect(downloadAssets(event, { dir: folder.dir, maxByte: 1 } as never)).rejects.toThrow(/Did you mean `maxBytes`\?/);
    await expect(downloadAssets(event, { dir: folder.dir, retry: { retrys: 1 } } as never)).rejects.toThrow(/`retry\.retries`/);
    await expect(downloadAssets(event, { dir: folder.dir, allowPrivateAddresses: ['nope'] })).rejects.toThrow(TypeError);
    await expect(downloadAssets(event, { dir: folder.dir, concurrency: 0 })).rejects.toThrow(/`concurrency`/);
    await expect(downloadAssets(event, { dir: folder.dir })).resolves.toEqual([]);
  });
});
