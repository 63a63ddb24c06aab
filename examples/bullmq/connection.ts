/**
 * Where the examples' queue lives: Redis by default (REDIS_URL, default redis://127.0.0.1:6379), or BullMQ's
 * PostgreSQL backend when DATABASE_URL is set. The web process and the worker must agree, and so must the queue name.
 */
export const QUEUE_NAME = process.env.SUNO_QUEUE ?? 'suno-callbacks';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL;

/**
 * BullMQ's PostgreSQL connection. `migrate: true` creates or upgrades BullMQ's schema (`bullmq`) when the first
 * connection opens, safely from many processes at once; a deployment that migrates in its own step leaves it out.
 */
export function postgresConnection(url: string): { connectionString: string; migrate: true } {
  return { connectionString: url, migrate: true };
}
