import { findTaskId, isJsonObject } from '../classify.js';
import { signatureHeaders } from '../signature.js';
import { choiceOption, integerOption, parseCommand, secretsOption, stringOption, UsageError } from './args.js';
import { readTextArgument } from './files.js';
import { printer, type CliIo } from './output.js';

export const SIGN_HELP = `Usage: suno-callbacks sign --secret <secret> (--task-id <id> | --body <file>) [options]

Prints the X-Webhook-Timestamp and X-Webhook-Signature headers the provider would send for a task id:
Base64(HMAC-SHA256(secret, "<taskId>.<timestamp>")). The body is not signed, only the task id and the time.

Options:
  --secret <secret>      the webhook HMAC key (default: $SUNO_WEBHOOK_SECRET)
  --task-id <id>         the task id to sign
  --body <file>          take the task id from a callback body instead, as the receiver does
                         (data.task_id, data.taskId, taskId, task_id); "-" reads standard input
  --timestamp <seconds>  Unix time in seconds (default: now)
  --format <format>      curl: -H 'Name: value' \\ lines to paste into a curl command (default)
                         http: raw "Name: value" lines (curl -H @file reads them; so does verify --headers)
                         json: a JSON object
  -h, --help             show this help

Examples:
  suno-callbacks sign --secret "$SUNO_WEBHOOK_SECRET" --task-id 21aee3c3c2a01fa5e030b3799fa4dd56
  suno-callbacks sign --body body.json --format http > headers.txt
  curl -X POST http://localhost:3000/suno/callback -H 'Content-Type: application/json' -H @headers.txt --data @body.json

Exit codes: 0 printed, 2 usage error.`;

const OPTIONS = {
  secret: { type: 'string' },
  'task-id': { type: 'string' },
  body: { type: 'string' },
  timestamp: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMATS = ['curl', 'http', 'json'] as const;

/** Renders signature headers for a shell: single quotes keep `+`, `/` and `=` of the Base64 literal. */
export function formatHeaders(headers: Record<string, string>, format: (typeof FORMATS)[number]): string {
  const entries = Object.entries(headers);
  if (format === 'json') return JSON.stringify(headers, null, 2);
  if (format === 'http') return entries.map(([name, value]) => `${name}: ${value}`).join('\n');
  return entries.map(([name, value]) => `-H '${name}: ${value}' \\`).join('\n');
}

async function taskIdFromBody(path: string, io: CliIo): Promise<string> {
  const text = await readTextArgument(path, 'body', 'sign', io);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UsageError(`--body ${path}: not JSON`, 'sign');
  }
  const taskId = isJsonObject(body) ? findTaskId(body) : undefined;
  if (taskId === undefined) {
    throw new UsageError(`--body ${path}: no task id in data.task_id, data.taskId, taskId or task_id`, 'sign');
  }
  return taskId;
}

/** `suno-callbacks sign`: resolves with the exit code. */
export async function signCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand('sign', args, OPTIONS, 0);
  const secrets = secretsOption(parsed, 'sign', io.env);
  const [secret] = secrets;
  if (secret === undefined) throw new UsageError('--secret is required (or set SUNO_WEBHOOK_SECRET)', 'sign');
  const taskIdOption = stringOption(parsed, 'task-id', 'sign');
  const bodyPath = stringOption(parsed, 'body', 'sign');
  if ((taskIdOption === undefined) === (bodyPath === undefined)) {
    throw new UsageError('give exactly one of --task-id and --body', 'sign');
  }
  const timestamp =
    integerOption(parsed, 'timestamp', 'sign', { min: 0, max: 99_999_999_999 }) ?? Math.floor(Date.now() / 1000);
  const format = choiceOption(parsed, 'format', 'sign', FORMATS) ?? 'curl';
  const taskId = taskIdOption ?? (await taskIdFromBody(bodyPath as string, io));
  printer(io.stdout, io.env).line(formatHeaders(signatureHeaders(secret, taskId, timestamp), format));
  return 0;
}
