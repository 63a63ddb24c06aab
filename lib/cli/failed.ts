import type { Job } from 'bullmq';
import { keyOfJobId } from '../bullmq/job-id.js';
import { integerOption } from './args.js';
import { printer, type CliIo } from './output.js';
import { openQueue, parseQueueCommand, QUEUE_OPTIONS_HELP } from './queue-args.js';

export const FAILED_HELP = `Usage: suno-callbacks failed (--redis <url> | --postgres <url>) --queue <name> [options]

Lists the callbacks whose listeners failed every attempt on a sunoWorker: they sit in BullMQ's failed set until
replayed (suno-callbacks replay) or until their retention ends.

Options:
${QUEUE_OPTIONS_HELP}
  --limit <n>        list at most n, newest first (default: 100)
  --json             one JSON object per line: key, kind, taskId, stage, attempts, failedAt, error
  -h, --help         show this help

Examples:
  suno-callbacks failed --redis redis://127.0.0.1:6379 --queue suno-callbacks
  suno-callbacks failed --postgres "$DATABASE_URL" --queue suno-callbacks --json | jq .key

Exit codes: 0 listed (even when none), 1 the queue could not be read, 2 usage error.`;

/** One failed callback, as listed. */
export interface FailedCallback {
  key: string;
  kind: string;
  taskId: string;
  stage: string;
  attempts: number;
  failedAt: string | undefined;
  error: string;
}

const PAGE = 100;

export function describeFailed(job: Pick<Job, 'id' | 'attemptsMade' | 'finishedOn' | 'failedReason'>): FailedCallback {
  const key = keyOfJobId(job.id ?? '');
  // The key is `<kind>:<taskId>:<stage>`; a task id may itself hold colons, the kind and the stage never do.
  const first = key.indexOf(':');
  const last = key.lastIndexOf(':');
  const split = first !== -1 && last > first;
  return {
    key,
    kind: split ? key.slice(0, first) : '?',
    taskId: split ? key.slice(first + 1, last) : key,
    stage: split ? key.slice(last + 1) : '?',
    attempts: job.attemptsMade,
    failedAt: typeof job.finishedOn === 'number' ? new Date(job.finishedOn).toISOString() : undefined,
    error: job.failedReason ?? '',
  };
}

export async function failedCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseQueueCommand('failed', args, { limit: { type: 'string' }, json: { type: 'boolean' } }, 0);
  const limit = integerOption(parsed, 'limit', 'failed', { min: 1, max: 1_000_000 }) ?? 100;
  const json = parsed.values.json === true;
  const out = printer(io.stdout, io.env);
  const { queue, close } = await openQueue(parsed, 'failed');
  try {
    const listed: FailedCallback[] = [];
    for (let start = 0; listed.length < limit; start += PAGE) {
      const end = Math.min(start + PAGE, limit) - 1;
      const jobs = await queue.getFailed(start, end);
      for (const job of jobs) listed.push(describeFailed(job));
      if (jobs.length < end - start + 1) break;
    }
    if (json) {
      for (const entry of listed) out.line(JSON.stringify(entry));
      return 0;
    }
    if (listed.length === 0) {
      out.line('No failed callbacks.');
      return 0;
    }
    for (const entry of listed) {
      out.line(`${out.bold(entry.key)}`);
      out.line(`  kind ${entry.kind}, task ${entry.taskId}, ${entry.attempts} attempt(s)${entry.failedAt === undefined ? '' : `, failed ${entry.failedAt}`}`);
      out.line(`  ${out.red('last error:')} ${entry.error.slice(0, 500)}`);
    }
    const total = await queue.getFailedCount();
    out.line(out.dim(`${listed.length} of ${total} failed callback(s). Replay: suno-callbacks replay <key> | --all`));
    return 0;
  } finally {
    await close();
  }
}
