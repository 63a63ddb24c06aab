import type { Job, Queue } from 'bullmq';
import { jobIdOf, keyOfJobId } from '../bullmq/job-id.js';
import { UsageError } from './args.js';
import { printer, type CliIo } from './output.js';
import { openQueue, parseQueueCommand, QUEUE_OPTIONS_HELP } from './queue-args.js';

export const REPLAY_HELP = `Usage: suno-callbacks replay (<key> | --all) (--redis <url> | --postgres <url>) --queue <name>

Moves failed callbacks back to waiting, with their attempts counted from zero again: a running sunoWorker takes
them at once. <key> is the dedupe key that suno-callbacks failed lists (<kind>:<taskId>:<stage>).

Options:
  --all              replay every failed callback
${QUEUE_OPTIONS_HELP}
  -h, --help         show this help

Examples:
  suno-callbacks replay music:21aee3c3c2a01fa5e030b3799fa4dd56:complete --redis redis://127.0.0.1:6379 --queue suno-callbacks
  suno-callbacks replay --all --postgres "$DATABASE_URL" --queue suno-callbacks

Exit codes: 0 replayed, 1 no such failed callback or the queue could not be reached, 2 usage error.`;

const PAGE = 100;
/** Replayed with the whole retry horizon again, as if it had just arrived. */
const FRESH = { resetAttemptsMade: true, resetAttemptsStarted: true } as const;

/** The failed job of `key`: its id is the key, or (when BullMQ's deduplication id deduped) starts with it. */
async function failedJobOf(queue: Queue, key: string): Promise<Job | undefined> {
  const direct = await queue.getJob(jobIdOf(key));
  if (direct !== undefined && (await direct.isFailed())) return direct;
  for (let start = 0; ; start += PAGE) {
    const jobs = await queue.getFailed(start, start + PAGE - 1);
    const found = jobs.find((job) => keyOfJobId(job.id ?? '') === key);
    if (found !== undefined) return found;
    if (jobs.length < PAGE) return undefined;
  }
}

export async function replayCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseQueueCommand('replay', args, { all: { type: 'boolean' } }, 1);
  const all = parsed.values.all === true;
  const key = parsed.positionals[0];
  if (all === (key !== undefined)) throw new UsageError('give one <key> or --all', 'replay');
  const out = printer(io.stdout, io.env);
  const err = printer(io.stderr, io.env);
  const { queue, close } = await openQueue(parsed, 'replay');
  try {
    if (key !== undefined) {
      const job = await failedJobOf(queue, key);
      if (job === undefined) {
        err.line(`${err.red('error:')} no failed callback with the key ${key.slice(0, 300)}`);
        return 1;
      }
      await job.retry('failed', FRESH);
      out.line(`${out.green('replayed')} ${key}`);
      return 0;
    }
    let replayed = 0;
    // Each retry takes its job out of the failed set, so the first page is always the next one.
    for (;;) {
      const jobs = await queue.getFailed(0, PAGE - 1);
      if (jobs.length === 0) break;
      for (const job of jobs) {
        await job.retry('failed', FRESH);
        replayed += 1;
      }
    }
    out.line(`${out.green('replayed')} ${replayed} failed callback(s)`);
    return 0;
  } finally {
    await close();
  }
}
