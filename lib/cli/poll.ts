import type { JsonObject } from '../classify.js';
import { eventNameOf, type CallbackEvent, type UnrecognizedEvent } from '../events.js';
import { resolveOptions, type Logger } from '../options.js';
import { familyOf, LEGACY_FAMILIES, type PollApi } from '../reconcile/families.js';
import { resolveReconcile, type ResolvedReconcile } from '../reconcile/options.js';
import { pollOnce, type PollOutcome } from '../reconcile/poll.js';
import { backoffMs } from '../reconcile/step.js';
import { choiceOption, integerOption, parseCommand, stringOption, UsageError } from './args.js';
import { printer, type CliIo } from './output.js';

export const POLL_HELP = `Usage: suno-callbacks poll <taskId> --kind <kind> [options]

Asks the provider's details endpoint about a task, as reconciliation does (the reconcile option), and prints the event
that answer produces: the same event, through the same code, as the task's callback would. A debugging aid.
The API key comes from $SUNO_API_KEY (never from the command line, never printed); it is sent only to --base-url.

Options:
  --kind <kind>        the task's family: ${Object.keys(LEGACY_FAMILIES).join(', ')}
  --api <api>          legacy: the per-family record-info endpoint (default)
                       market: kie.ai jobs/recordInfo (tasks created with jobs/createTask)
  --base-url <url>     https://api.sunoapi.org (default for legacy) or https://api.kie.ai (default for market)
  --wait               poll until the task has finished (every --every seconds, backing off on 429 and 5xx)
  --every <seconds>    seconds between polls with --wait (default: 5)
  --timeout <seconds>  give up waiting after this long (default: 600)
  -h, --help           show this help

Examples:
  SUNO_API_KEY=... suno-callbacks poll 5c79e0e1be8e0c4a --kind music
  SUNO_API_KEY=... suno-callbacks poll 3b66882fde0a5d39 --kind music --api market --wait

Exit codes: 0 an event other than failure, 1 failure, refused or not finished in time, 2 usage error,
3 still running (without --wait).`;

const OPTIONS = {
  kind: { type: 'string' },
  api: { type: 'string' },
  'base-url': { type: 'string' },
  wait: { type: 'boolean' },
  every: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const APIS = ['legacy', 'market'] as const satisfies readonly PollApi[];
const DEFAULT_BASE_URL: Record<PollApi, string> = { legacy: 'https://api.sunoapi.org', market: 'https://api.kie.ai' };

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The event a finished answer produces, through a pipeline of its own (the same one the middleware runs). */
async function eventOf(body: JsonObject, kind: string): Promise<{ name: string; event: CallbackEvent | UnrecognizedEvent }> {
  // Loaded when needed: the other commands (and this one's help) start without the pipeline's dependencies.
  const [{ Pipeline }, { nodeCrypto }] = await Promise.all([import('../pipeline.js'), import('../signature.js')]);
  const pipeline = new Pipeline(resolveOptions({ allowUnsigned: true, logger: quiet, retry: { retries: 0 } }), nodeCrypto([]));
  let produced: { name: string; event: CallbackEvent | UnrecognizedEvent } | undefined;
  pipeline.dispatcher.on('callback', (event) => {
    produced = { name: eventNameOf(event), event };
  });
  pipeline.dispatcher.on('unrecognized', (event) => {
    produced = { name: 'unrecognized', event };
  });
  const answer = await pipeline.acceptTrusted({ type: 'parsed', value: body }, kind);
  await pipeline.close();
  if (produced === undefined) throw new Error(`the answer produced no event (${answer.status})`);
  return produced;
}

function describe(outcome: PollOutcome): string {
  switch (outcome.state) {
    case 'running':
      return 'still running';
    case 'retry':
      return `the provider asked to retry later (${outcome.reason})`;
    case 'refused':
      return `the provider refused the query (${outcome.code}): ${outcome.message}`;
    default:
      return outcome.state;
  }
}

/** `suno-callbacks poll`: resolves with the exit code. */
export async function pollCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand('poll', args, OPTIONS, 1);
  const [taskId] = parsed.positionals;
  if (taskId === undefined || taskId === '') throw new UsageError('the task id is required: poll <taskId> --kind <kind>', 'poll');
  const api = choiceOption(parsed, 'api', 'poll', APIS) ?? 'legacy';
  const kinds = Object.keys(LEGACY_FAMILIES);
  const kind = choiceOption(parsed, 'kind', 'poll', kinds);
  if (kind === undefined) throw new UsageError(`--kind is required (one of ${kinds.join(', ')})`, 'poll');
  const apiKey = io.env.SUNO_API_KEY;
  if (apiKey === undefined || apiKey === '') throw new UsageError('set SUNO_API_KEY to your provider API key', 'poll');
  const baseUrl = stringOption(parsed, 'base-url', 'poll') ?? DEFAULT_BASE_URL[api];
  const every = integerOption(parsed, 'every', 'poll', { min: 1, max: 3600 }) ?? 5;
  const timeout = integerOption(parsed, 'timeout', 'poll', { min: 1, max: 86_400 }) ?? 600;
  let config: ResolvedReconcile | undefined;
  try {
    config = resolveReconcile({ apiKey, baseUrl, afterSeconds: 1, everySeconds: every, giveUpAfterSeconds: Math.max(timeout, 1) });
  } catch (error) {
    // The option checks never echo the key; only the URL can be wrong here.
    throw new UsageError(`--base-url: ${error instanceof Error ? error.message : String(error)}`, 'poll');
  }
  if (config === undefined || familyOf(api, kind) === undefined) throw new UsageError(`no ${api} endpoint for ${kind}`, 'poll');

  const out = printer(io.stdout, io.env);
  const err = printer(io.stderr, io.env);
  const deadline = Date.now() + timeout * 1000;
  let failures = 0;
  for (;;) {
    const outcome = await pollOnce(config, taskId, kind, api);
    if (outcome.state === 'finished' || outcome.state === 'progress' || outcome.state === 'malformed') {
      const body: JsonObject = outcome.state === 'malformed' ? { task_id: taskId, raw: outcome.raw } : outcome.body;
      if (outcome.state === 'progress') err.line(err.dim('a progress stage; the task has not finished yet'));
      const { name, event } = await eventOf(body, kind);
      out.line(JSON.stringify({ event: name, ...event }, null, 2));
      return name === 'failure' ? 1 : 0;
    }
    if (outcome.state === 'refused' && (outcome.code === 401 || outcome.code === 403)) {
      err.line(`${err.red('error:')} ${describe(outcome)}`);
      return 1;
    }
    if (parsed.values.wait !== true) {
      err.line(describe(outcome));
      return outcome.state === 'running' ? 3 : 1;
    }
    failures = outcome.state === 'running' ? 0 : failures + 1;
    const delay = failures === 0 ? config.everyMs : backoffMs(config.everyMs, failures, outcome.state === 'retry' ? outcome.retryAfterMs : 0);
    if (Date.now() + delay > deadline) {
      err.line(`${err.red('error:')} not finished within ${timeout} s (${describe(outcome)})`);
      return 1;
    }
    err.line(err.dim(`${describe(outcome)}; polling again in ${Math.round(delay / 1000)} s`));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
