import type { Queue } from 'bullmq';
import { parseCommand, stringOption, UsageError, type Parsed } from './args.js';

/** The options `failed` and `replay` share: where the queue lives. */
export const QUEUE_OPTIONS = {
  redis: { type: 'string' },
  postgres: { type: 'string' },
  queue: { type: 'string' },
  prefix: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const QUEUE_OPTIONS_HELP = `  --redis <url>      the queue's Redis, e.g. redis://127.0.0.1:6379
  --postgres <url>   or its PostgreSQL (BullMQ's PostgreSQL backend), e.g. postgres://user@host/db
  --queue <name>     the queue's name, as given to new Queue() and sunoWorker()
  --prefix <prefix>  Redis only: BullMQ's key prefix (default: bull)`;

/** An open queue and how to let it go. */
export interface OpenQueue {
  queue: Queue;
  close(): Promise<void>;
}

export function parseQueueCommand(
  command: string,
  args: string[],
  extra: Record<string, { type: 'string' | 'boolean' }>,
  maxPositionals: number,
): Parsed {
  return parseCommand(command, args, { ...QUEUE_OPTIONS, ...extra }, maxPositionals);
}

/**
 * Opens the queue named on the command line. BullMQ is loaded only here, so every other command works without it
 * installed. Connection URLs are never echoed: they may carry a password.
 */
export async function openQueue(parsed: Parsed, command: string): Promise<OpenQueue> {
  const redis = stringOption(parsed, 'redis', command);
  const postgres = stringOption(parsed, 'postgres', command);
  const name = stringOption(parsed, 'queue', command);
  const prefix = stringOption(parsed, 'prefix', command);
  if ((redis === undefined) === (postgres === undefined)) {
    throw new UsageError('give exactly one of --redis <url> and --postgres <url>', command);
  }
  if (name === undefined) throw new UsageError('--queue <name> is required', command);
  if (prefix !== undefined && postgres !== undefined) {
    throw new UsageError('--prefix applies to Redis only (PostgreSQL queues live in a schema)', command);
  }
  let bullmq: typeof import('bullmq');
  try {
    bullmq = await import('bullmq');
  } catch {
    throw new Error(`${command} needs the bullmq package: npm install bullmq`);
  }
  if (redis === undefined) {
    const queue = new bullmq.Queue(name, { connection: postgres ?? '' }, bullmq.createPostgresBackend);
    return { queue: queue as unknown as Queue, close: () => queue.close() };
  }
  // One attempt per command, not BullMQ's retry-forever: a wrong URL must end the command with an error.
  const queue = new bullmq.Queue(name, {
    connection: { url: redis, maxRetriesPerRequest: 1, retryStrategy: () => null },
    ...(prefix === undefined ? {} : { prefix }),
  });
  return { queue, close: () => queue.close() };
}
