import express, { type Express } from 'express';
import request from 'supertest';
import { sunoCallbacks, type SunoCallbacksOptions } from '../../lib/index.js';
import type { SunoEventMap, SunoEventName } from '../../lib/events.js';
import { signatureHeaders } from '../../lib/signature.js';

export const SECRET = 'test-secret-do-not-use';

/** Logger that keeps messages for assertions instead of printing them. */
export function memoryLogger() {
  const lines: Array<[string, string]> = [];
  const log = (level: string) => (message: string) => {
    lines.push([level, message]);
  };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export interface Recorded {
  name: SunoEventName;
  event: unknown;
}

/** An Express app with the middleware mounted and every event recorded in order. */
export function createApp(options: SunoCallbacksOptions = {}, setup?: (app: Express) => void) {
  const logger = memoryLogger();
  const suno = sunoCallbacks({ secret: SECRET, logger, retry: { retries: 0, minTimeout: 0 }, ...options });
  const app = express();
  setup?.(app);
  app.use(suno);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const events: Recorded[] = [];
  const names: SunoEventName[] = [
    'music-progress', 'music-ready', 'lyrics-ready', 'cover-ready', 'wav-ready', 'stems-ready', 'midi-ready',
    'video-ready', 'voice-phrase-ready', 'voice-ready', 'recovery-ready', 'result-ready', 'failure', 'callback', 'unrecognized', 'duplicate',
    'rejected', 'error',
  ];
  for (const name of names) suno.on(name, (event: unknown) => void events.push({ name, event }));
  const of = <E extends SunoEventName>(name: E): Array<SunoEventMap[E]> =>
    events.filter((entry) => entry.name === name).map((entry) => entry.event as SunoEventMap[E]);
  return { app, suno, events, of, logger };
}

/** The last send time used for each task id. */
const lastSendTime = new Map<string, number>();

/**
 * The provider signs each delivery with its own send time. Tests send faster than one a second, so each delivery of
 * a task is signed a second before the previous one (within the tolerance): two deliveries of one task never share
 * a signature by accident, since a shared signature is a replay.
 */
function sendTime(taskId: string): number {
  const now = Math.floor(Date.now() / 1000);
  const last = lastSendTime.get(taskId);
  const stamp = last === undefined || last < now - 200 ? now : Math.min(now, last - 1);
  lastSendTime.set(taskId, stamp);
  return stamp;
}

/** Headers a real signed delivery of `body` carries; override one thing per test to break it. */
export function signed(body: Record<string, any>, options: { secret?: string; taskId?: string; timestamp?: number } = {}) {
  const data = body.data ?? {};
  const taskId = options.taskId ?? data.task_id ?? data.taskId ?? body.taskId ?? body.task_id;
  return signatureHeaders(options.secret ?? SECRET, String(taskId), options.timestamp ?? sendTime(String(taskId)));
}

/** POSTs a signed JSON body through supertest. */
export function post(app: Express, body: Record<string, any>, path = '/suno/callback') {
  return request(app).post(path).set(signed(body)).set('Content-Type', 'application/json').send(JSON.stringify(body));
}

/** Resolves once `predicate` holds, polling the event loop; fails the test after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
