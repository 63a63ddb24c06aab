/**
 * What the load generator sends: the documented Suno callbacks (the fixtures) with a fresh task id and a fresh
 * signature for every request, GitHub-style deliveries for the octokit peer, and one 2 MB MIDI callback.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_SECRET } from './config.js';

const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '__tests__', 'fixtures');

export interface BenchRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

interface FixtureTemplate {
  file: string;
  /** The compact JSON text split around every occurrence of the task id (as a JSON string). */
  parts: string[];
}

/** Fixtures whose family the body alone decides, so every one of them goes to the plain callback path. */
function loadTemplates(): FixtureTemplate[] {
  const index = JSON.parse(readFileSync(join(FIXTURES_DIR, 'index.json'), 'utf8')) as Array<{
    file: string;
    taskId: string;
    needsRouteHint: boolean;
  }>;
  return index
    .filter((entry) => !entry.needsRouteHint)
    .map((entry) => {
      const text = JSON.stringify(JSON.parse(readFileSync(join(FIXTURES_DIR, entry.file), 'utf8')));
      const parts = text.split(JSON.stringify(entry.taskId));
      if (parts.length < 2) throw new Error(`fixture ${entry.file} does not contain its task id ${entry.taskId}`);
      return { file: entry.file, parts };
    });
}

// Unique across processes and runs: the Redis and PostgreSQL stores keep keys between runs.
const RUN_ID = randomBytes(4).toString('hex');
// Shared by every generator, so two runs against the same server never repeat a task id.
let sequence = 0;

/** The provider's timestamp format: Unix seconds, as a decimal string. */
function unixSeconds(): string {
  return String(Math.floor(Date.now() / 1000));
}

export function sunoSignature(secret: string, taskId: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${taskId}.${timestamp}`, 'utf8').digest('base64');
}

/**
 * Cycles through every fixture; each call returns a body with a task id never used before and the headers the
 * provider would send with it.
 */
export function sunoRequests(secret: string = BENCH_SECRET): () => BenchRequest {
  const templates = loadTemplates();
  let counter = 0;
  return () => {
    const template = templates[counter % templates.length] as FixtureTemplate;
    counter += 1;
    sequence += 1;
    const taskId = `bench-${RUN_ID}-${process.pid}-${sequence.toString(36)}`;
    const timestamp = unixSeconds();
    return {
      path: '/suno/callback',
      headers: {
        'content-type': 'application/json',
        'x-webhook-timestamp': timestamp,
        'x-webhook-signature': sunoSignature(secret, taskId, timestamp),
      },
      body: template.parts.join(JSON.stringify(taskId)),
    };
  };
}

/** How many distinct fixture bodies `sunoRequests` cycles through. */
export function sunoFixtureCount(): number {
  return loadTemplates().length;
}

/**
 * GitHub `push` deliveries of about the size of the Suno fixtures, signed the way GitHub signs them
 * (`X-Hub-Signature-256: sha256=<hex HMAC of the body>`), each with its own delivery id.
 */
export function octokitRequests(secret: string = BENCH_SECRET): () => BenchRequest {
  return () => {
    sequence += 1;
    const id = `${RUN_ID}-${process.pid}-${sequence.toString(36)}`;
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0000000000000000000000000000000000000000',
      after: createHmac('sha1', 'bench').update(id).digest('hex'),
      created: false,
      deleted: false,
      forced: false,
      compare: 'https://github.com/octo/bench/compare/0000000000...1111111111',
      repository: { id: 1296269, node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5', name: 'bench', full_name: 'octo/bench', private: false },
      pusher: { name: 'octocat', email: 'octocat@example.com' },
      sender: { login: 'octocat', id: 1, node_id: 'MDQ6VXNlcjE=', type: 'User', site_admin: false },
      commits: [
        {
          id,
          tree_id: 'f9d2a07e9488b91af2641b26b9407fe22a451433',
          distinct: true,
          message: 'Benchmark commit',
          timestamp: '2025-01-01T00:00:00Z',
          url: `https://github.com/octo/bench/commit/${id}`,
          author: { name: 'Octo Cat', email: 'octocat@example.com', username: 'octocat' },
          added: [],
          removed: [],
          modified: ['README.md'],
        },
      ],
    });
    return {
      path: '/api/github/webhooks',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': id,
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    };
  };
}

/**
 * A MIDI callback of at least `minBytes`, in the docs.sunoapi.org dialect, with note times mixing JSON numbers and
 * numeric strings as real deliveries do. Deterministic, so every run validates the same body.
 */
export function midiBody(taskId: string, minBytes = 2 * 1024 * 1024): string {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const names = ['Drums', 'Electric Bass (finger)', 'Acoustic Grand Piano', 'String Ensemble 1', 'Lead 1 (square)'];
  const instruments: Array<{ name: string; notes: Array<Record<string, number | string>> }> = names.map((name) => ({
    name,
    notes: [],
  }));
  // Each note is about 80 bytes of JSON; build until the serialised body is large enough.
  let size = 0;
  let count = 0;
  while (size < minBytes) {
    for (let i = 0; i < 1000; i += 1) {
      const start = random() * 240;
      const end = start + random() * 2;
      const instrument = instruments[count % instruments.length] as (typeof instruments)[number];
      instrument.notes.push({
        pitch: 24 + Math.floor(random() * 72),
        start: count % 2 === 0 ? start : String(start),
        end: count % 3 === 0 ? end : String(end),
        velocity: 1,
      });
      count += 1;
    }
    size = JSON.stringify({ task_id: taskId, code: 200, msg: 'success', data: { state: 'complete', instruments } }).length;
  }
  return JSON.stringify({ task_id: taskId, code: 200, msg: 'success', data: { state: 'complete', instruments } });
}
