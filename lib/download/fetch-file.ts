import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blockedAddress, hostAllowed } from './address-guard.js';
import type { Asset } from './asset-urls.js';
import { AttemptFailure } from './errors.js';
import { pathInside } from './file-names.js';
import { contentTypeAccepted, extensionFromContentType, mediaTypeOf } from './media-types.js';
import type { ResolvedDownloadOptions } from './options.js';
import { retryAfterMs, retryableStatus } from './retry-after.js';

/** Connection pools of one `downloadAssets` call: never shared, so no socket opened under another policy is reused. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

export interface FetchedFile {
  path: string;
  size: number;
  sha256: string;
  contentType: string | undefined;
}

/** The bytes every download of one event has transferred so far, against `maxBytesPerEvent`. */
export interface EventBudget {
  usedBytes: number;
  /** Set by the first transfer that would go past the budget: from then on, no asset of the event makes a request. */
  exhausted: boolean;
}

/** The failure of every transfer once the event's downloads would go past `maxBytesPerEvent`. */
function overBudget(input: AttemptInput): AttemptFailure {
  input.budget.exhausted = true;
  return new AttemptFailure('event_too_large', `the event's downloads exceeded maxBytesPerEvent (${input.options.maxBytesPerEvent})`);
}

export interface AttemptInput {
  asset: Asset;
  budget: EventBudget;
  attempt: number;
  options: ResolvedDownloadOptions;
  agents: Agents;
  lookup: LookupFunction;
  /** Told the host of each hop, so a failure can name the last one. */
  onHost(host: string): void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const FILESYSTEM_CALLS = new Set(['open', 'write', 'close', 'fsync', 'rename', 'mkdir', 'unlink']);
const USER_AGENT = 'suno-callbacks (asset download)';

/**
 * Aborts the current request or response when the attempt runs out of time in all (`timeoutMs`), when no byte
 * arrives for `idleTimeoutMs`, or when the caller's signal fires; remembers why, because the stream errors that
 * follow a destroy do not say.
 */
class Watchdog {
  failure: AttemptFailure | undefined;
  private target: { destroy(error: Error): unknown } | undefined;
  private idle: NodeJS.Timeout | undefined;
  private readonly deadline: NodeJS.Timeout;
  private readonly onAbort = (): void => this.trip(new AttemptFailure('aborted', 'the download was aborted'));

  constructor(
    timeoutMs: number,
    private readonly idleMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.deadline = setTimeout(
      () => this.trip(new AttemptFailure('timeout', `no complete answer within ${timeoutMs} ms`, { retryable: true })),
      timeoutMs,
    );
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (signal?.aborted === true) this.onAbort();
    this.kick();
  }

  watch(target: { destroy(error: Error): unknown }): void {
    this.target = target;
    if (this.failure !== undefined) target.destroy(this.failure);
  }

  /** A byte arrived (or a new phase started): the stall clock starts again. */
  kick(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(
      () => this.trip(new AttemptFailure('stalled', `no data for ${this.idleMs} ms`, { retryable: true })),
      this.idleMs,
    );
  }

  /** Throws the failure if the watchdog already fired between two awaits. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  stop(): void {
    clearTimeout(this.deadline);
    clearTimeout(this.idle);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private trip(failure: AttemptFailure): void {
    if (this.failure !== undefined) return;
    this.failure = failure;
    this.target?.destroy(failure);
  }
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Every hop, the first included, passes the same checks; the resolved address is checked by `lookup` on connect. */
function checkHop(url: URL, options: ResolvedDownloadOptions, hop: number): void {
  const where = hop === 0 ? 'the link' : 'a redirect';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AttemptFailure('protocol', `${where} uses ${url.protocol.replace(/:$/, '')}; only http and https are followed`);
  }
  if (!hostAllowed(url.hostname, options.allowedHosts)) {
    throw new AttemptFailure('host_not_allowed', `${where} goes to ${url.host}, which is not in allowedHosts`);
  }
  // Node does not call `lookup` for an IP-literal host, so the literal is checked here.
  const literal = stripBrackets(url.hostname);
  if (isIP(literal) !== 0) {
    const range = options.policy.refusal(literal);
    if (range !== undefined) throw blockedAddress(literal, literal, range);
  }
}

function request(url: URL, input: AttemptInput, watchdog: Watchdog): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const auth = url.username === '' ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    let outgoing: ClientRequest;
    try {
      outgoing = (secure ? https : http).request({
        protocol: url.protocol,
        hostname: stripBrackets(url.hostname),
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        agent: secure ? input.agents.https : input.agents.http,
        lookup: input.lookup,
        auth,
        headers: {
          'User-Agent': USER_AGENT,
          Accept: '*/*',
          // The bytes saved must be the asset's own, and their SHA-256 the asset's: no transfer compression.
          'Accept-Encoding': 'identity',
        },
      });
    } catch (error) {
      reject(new AttemptFailure('invalid_url', 'the link cannot be requested', { cause: error }));
      return;
    }
    watchdog.watch(outgoing);
    outgoing.once('response', resolve);
    // Not `once`: a socket error after the response must still find a listener, and a second reject is a no-op.
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function failed(response: IncomingMessage, failure: AttemptFailure): AttemptFailure {
  response.destroy();
  return failure;
}

function contentLength(response: IncomingMessage): number | undefined {
  const header = response.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/** Puts a network, file-system or watchdog error into words that name no URL. */
function classify(error: unknown, watchdog: Watchdog): AttemptFailure {
  if (watchdog.failure !== undefined) return watchdog.failure;
  if (error instanceof AttemptFailure) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const syscall = (error as NodeJS.ErrnoException | undefined)?.syscall;
  const message = error instanceof Error ? error.message : String(error);
  if (syscall !== undefined && FILESYSTEM_CALLS.has(syscall)) {
    return new AttemptFailure('filesystem', `could not write the file: ${code ?? message}`, { cause: error });
  }
  // A certificate that does not verify will not verify on the next attempt either.
  const tls = code !== undefined && /CERT|SELF_SIGNED|ERR_TLS|ERR_SSL/.test(code);
  return new AttemptFailure('network', `network error: ${message}`, { retryable: !tls, cause: error });
}

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/**
 * Streams the body to a temporary file beside the final one, hashing and counting as it goes, and renames it into
 * place only once it is complete: a failure at any point leaves no file behind.
 */
async function save(response: IncomingMessage, input: AttemptInput, watchdog: Watchdog, mediaType: string | undefined): Promise<FetchedFile> {
  const { asset, options } = input;
  const extension = asset.extension ?? extensionFromContentType(mediaType, asset.media) ?? asset.fallbackExtension;
  const finalPath = pathInside(options.dir, `${asset.name}.${extension}`);
  const temporary = join(dirname(finalPath), `.${basename(finalPath)}.${randomBytes(6).toString('hex')}.part`);
  const totalBytes = contentLength(response);
  const hash = createHash('sha256');
  let received = 0;

  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      // Counted before the size check: the bytes have crossed the network whatever happens to them next.
      input.budget.usedBytes += chunk.length;
      if (input.budget.usedBytes > options.maxBytesPerEvent) {
        done(overBudget(input));
        return;
      }
      if (received > options.maxBytes) {
        done(new AttemptFailure('too_large', `the body exceeded maxBytes (${options.maxBytes})`));
        return;
      }
      hash.update(chunk);
      watchdog.kick();
      try {
        options.onProgress?.({ asset, receivedBytes: received, totalBytes, attempt: input.attempt });
      } catch (error) {
        done(new AttemptFailure('aborted', 'onProgress threw', { cause: error }));
        return;
      }
      done(null, chunk);
    },
  });

  let file: WriteStream | undefined;
  try {
    await mkdir(dirname(finalPath), { recursive: true });
    watchdog.check();
    watchdog.watch(response);
    file = createWriteStream(temporary, { flags: 'wx' });
    await pipeline(response, meter, file);
    watchdog.check();
    if (totalBytes !== undefined && received !== totalBytes) {
      throw new AttemptFailure('truncated', `received ${received} of ${totalBytes} bytes`, { retryable: true });
    }
    // Flushed before the rename, so a crash cannot leave a complete-looking name over incomplete data.
    const handle = await open(temporary, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, finalPath);
  } catch (error) {
    response.destroy();
    if (file !== undefined && !file.closed) {
      // The file may still be opening: unlinking before it is open would leave it behind.
      const closed = once(file, 'close').catch(() => undefined);
      file.destroy();
      await closed;
    }
    await removeQuietly(temporary);
    throw error;
  }
  return { path: finalPath, size: received, sha256: hash.digest('hex'), contentType: mediaType };
}

/** One attempt: follow redirects (each hop checked), check the answer, stream the body into place. */
export async function fetchToFile(input: AttemptInput): Promise<FetchedFile> {
  const { asset, options } = input;
  let url: URL;
  try {
    url = new URL(asset.url);
  } catch {
    // Not even the host is known; the parser's error is not kept because it quotes the whole link.
    throw new AttemptFailure('invalid_url', 'the link is not a valid URL');
  }
  const watchdog = new Watchdog(options.timeoutMs, options.idleTimeoutMs, options.signal);
  try {
    for (let hop = 0; ; hop += 1) {
      watchdog.check();
      if (input.budget.exhausted || input.budget.usedBytes >= options.maxBytesPerEvent) throw overBudget(input);
      input.onHost(url.host);
      checkHop(url, options, hop);
      watchdog.kick();
      const response = await request(url, input, watchdog);
      watchdog.kick();
      const status = response.statusCode ?? 0;
      const location = response.headers.location;

      if (REDIRECTS.has(status) && location !== undefined) {
        response.destroy();
        if (hop >= options.maxRedirects) {
          throw new AttemptFailure('too_many_redirects', `more than ${options.maxRedirects} redirects`);
        }
        try {
          url = new URL(location, url);
        } catch {
          throw new AttemptFailure('invalid_url', `${url.host} redirected to an invalid URL`);
        }
        continue;
      }
      if (status !== 200) {
        const retryable = retryableStatus(status);
        const wait = retryable ? retryAfterMs(response.headers['retry-after'], Date.now(), options.maxRetryAfterMs) : undefined;
        throw failed(
          response,
          new AttemptFailure('http_status', `HTTP ${status}`, {
            retryable,
            status,
            ...(wait === undefined ? {} : { retryAfterMs: wait }),
          }),
        );
      }
      const encoding = response.headers['content-encoding']?.trim().toLowerCase();
      if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
        throw failed(response, new AttemptFailure('content_encoding', `the body is ${encoding}-encoded`));
      }
      const mediaType = mediaTypeOf(response.headers['content-type']);
      if (options.contentTypes !== false && !contentTypeAccepted(mediaType, options.contentTypes[asset.media])) {
        throw failed(
          response,
          new AttemptFailure('content_type', `content type ${(mediaType ?? 'none').slice(0, 100)} is not accepted for ${asset.media}`),
        );
      }
      const length = contentLength(response);
      if (length !== undefined && length > options.maxBytes) {
        throw failed(response, new AttemptFailure('too_large', `Content-Length ${length} exceeds maxBytes (${options.maxBytes})`));
      }
      if (length !== undefined && input.budget.usedBytes + length > options.maxBytesPerEvent) throw failed(response, overBudget(input));
      return await save(response, input, watchdog, mediaType);
    }
  } catch (error) {
    throw classify(error, watchdog);
  } finally {
    watchdog.stop();
  }
}
