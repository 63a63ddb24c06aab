import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoverReadyEvent, VideoReadyEvent } from '../../lib/events.js';

/** `hit` counts requests to the same path, from 1. */
export type Route = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

export interface Hit {
  path: string;
  at: number;
  host: string | undefined;
}

export interface AssetServer {
  /** `http://<host>:<port><path>` */
  url(path: string): string;
  port: number;
  host: string;
  hits: Hit[];
  hitsOf(path: string): Hit[];
  /** Requests being answered right now, and the most there ever were at once. */
  active: number;
  maxActive: number;
  close(): Promise<void>;
}

/**
 * A local file server on a random port of a loopback address (127.0.0.1 unless told otherwise). Unknown paths get
 * 404. Only ever listens on 127.0.0.0/8.
 */
export async function startAssetServer(routes: Record<string, Route>, host = '127.0.0.1'): Promise<AssetServer> {
  if (!host.startsWith('127.')) throw new Error('test servers listen on 127.0.0.0/8 only');
  const hits: Hit[] = [];
  const state = { active: 0, maxActive: 0 };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.push({ path, at: Date.now(), host: req.headers.host });
    state.active += 1;
    state.maxActive = Math.max(state.maxActive, state.active);
    res.once('close', () => {
      state.active -= 1;
    });
    const route = routes[path];
    if (route === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    route(req, res, hits.filter((hit) => hit.path === path).length);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://${host}:${port}${path}`,
    port,
    host,
    hits,
    hitsOf: (path) => hits.filter((hit) => hit.path === path),
    get active() {
      return state.active;
    },
    get maxActive() {
      return state.maxActive;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers 200 with `body` and the given content type. */
export function serve(body: Buffer, contentType = 'audio/mpeg', extra: Record<string, string> = {}): Route {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length, ...extra });
    res.end(body);
  };
}

/** Deterministic pseudo-random bytes, so a corrupted copy cannot match by chance. */
export function bytes(length: number, seed = 1): Buffer {
  const buffer = Buffer.alloc(length);
  let state = seed;
  for (let index = 0; index < length; index += 1) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    buffer[index] = state >> 16;
  }
  return buffer;
}

let counter = 0;

/** A fresh, unique task id (unique across parallel test files too). */
export function taskId(): string {
  counter += 1;
  return `t${process.pid}x${Date.now().toString(36)}x${counter}`;
}

export function coverEvent(images: string[], id = taskId()): CoverReadyEvent {
  const receivedAt = new Date();
  return {
    kind: 'cover',
    taskId: id,
    stage: 'final',
    code: 200,
    message: 'success',
    receivedAt,
    key: `cover:${id}:final`,
    body: {},
    expiresAt: new Date(receivedAt.getTime() + 14 * 86_400_000),
    images,
  };
}

export function videoEvent(videoUrl: string, id = taskId()): VideoReadyEvent {
  const receivedAt = new Date();
  return {
    kind: 'video',
    taskId: id,
    stage: 'final',
    code: 200,
    message: 'success',
    receivedAt,
    key: `video:${id}:final`,
    body: {},
    expiresAt: new Date(receivedAt.getTime() + 14 * 86_400_000),
    videoUrl,
  };
}

/** A new empty folder under the OS temp dir, and a way to list everything in it (recursively) and remove it. */
export async function tempDir(): Promise<{ dir: string; files(): Promise<string[]>; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'suno-download-'));
  return {
    dir,
    files: async () => ((await readdir(dir, { recursive: true, withFileTypes: true })) as Array<{ isFile(): boolean; name: string; parentPath?: string; path?: string }>)
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath ?? entry.path ?? dir, entry.name).slice(dir.length + 1))
      .sort(),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Fast retries, short timeouts: the suite runs in seconds. Allows loopback, which every test server is on. */
export const FAST = {
  allowPrivateAddresses: true,
  retry: { retries: 3, minTimeout: 10, factor: 1, randomize: false },
  timeoutMs: 5000,
  idleTimeoutMs: 500,
} as const;
