import { createHmac } from 'node:crypto';
import { findTaskIdField, idString, isJsonObject, marketModel, type JsonObject } from '../classify.js';
import { TASK_ID_FIELDS, type TaskIdField } from '../dialects.js';
import { identify } from '../identify.js';
import { checkSignature } from '../signature.js';
import { integerOption, parseCommand, secretsOption, stringOption, UsageError } from './args.js';
import { readTextArgument } from './files.js';
import { parseHeaders } from './headers-file.js';
import { printer, type CliIo, type Printer } from './output.js';

export const VERIFY_HELP = `Usage: suno-callbacks verify --secret <secret> --headers <file> --body <file> [options]

Says whether a captured callback is authentic and, when it is not, exactly why: a missing header, a timestamp too
old or in the future (and by how much), a wrong secret, or a signature computed over a different task id field than
the one the receiver uses. Nothing is sent anywhere.

Options:
  --secret <secret>       the webhook HMAC key; repeat it to try several (default: $SUNO_WEBHOOK_SECRET)
  --headers <file>        the request headers: a JSON object, raw "Name: value" lines (a raw HTTP request works),
                          curl -v output, or the lines "suno-callbacks sign" prints; "-" reads standard input
  --body <file>           the request body exactly as received; "-" reads standard input
  --tolerance <seconds>   accepted clock difference, both directions (default: 300, as the middleware)
  --now <seconds>         judge the timestamp as of this Unix time (default: now), e.g. the time of the capture
  -h, --help              show this help

Examples:
  suno-callbacks verify --secret "$SUNO_WEBHOOK_SECRET" --headers headers.json --body body.json
  suno-callbacks verify --headers captured.http --body body.json --now 1753958530

Exit codes: 0 authentic, 1 not authentic (or the receiver would refuse the body), 2 usage error.`;

const OPTIONS = {
  secret: { type: 'string', multiple: true },
  headers: { type: 'string' },
  body: { type: 'string' },
  tolerance: { type: 'string' },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FIELD_LABELS = TASK_ID_FIELDS.map((field) => field.label);

function read(body: JsonObject, field: TaskIdField): string | undefined {
  const container = field.in === undefined ? body : isJsonObject(body.data) ? body.data : undefined;
  return idString(container?.[field.name]);
}

function seconds(value: number): string {
  return `${value} s`;
}

function describeTime(timestamp: number, skew: number, tolerance: number): { ok: boolean; text: string } {
  const when = `${timestamp} (${new Date(timestamp * 1000).toISOString().replace('.000', '')})`;
  const ok = Math.abs(skew) <= tolerance;
  if (skew <= 0) {
    const age = -skew;
    return ok
      ? { ok, text: `${when}, ${seconds(age)} old: within the ${seconds(tolerance)} tolerance` }
      : {
          ok,
          text:
            `${when} is stale: ${seconds(age)} in the past, ${seconds(age - tolerance)} beyond the ` +
            `${seconds(tolerance)} tolerance (a replay, a delayed retry, or a slow clock)`,
        };
  }
  return ok
    ? { ok, text: `${when}, ${seconds(skew)} in the future: within the ${seconds(tolerance)} tolerance` }
    : {
        ok,
        text:
          `${when} is in the future: ${seconds(skew)} ahead, ${seconds(skew - tolerance)} beyond the ` +
          `${seconds(tolerance)} tolerance (one of the clocks is wrong)`,
      };
}

function secretLabel(index: number, count: number): string {
  return count === 1 ? 'the secret' : `secret #${index + 1} of ${count}`;
}

function hexSignatureMatch(signature: string, secrets: readonly string[], taskId: string, timestamp: string): number {
  if (!/^[0-9a-f]{64}$/i.test(signature)) return -1;
  return secrets.findIndex(
    (secret) => createHmac('sha256', secret).update(`${taskId}.${timestamp}`, 'utf8').digest('hex') === signature.toLowerCase(),
  );
}

interface Verdict {
  authentic: boolean;
  answer: string;
}

function report(out: Printer, verdict: Verdict, lines: Array<[string, string]>): number {
  out.line(verdict.authentic ? out.green(out.bold('authentic')) : out.red(out.bold('NOT authentic')));
  for (const [label, text] of lines) out.line(`  ${label.padEnd(10)} ${text}`);
  out.line(`  ${'receiver'.padEnd(10)} ${verdict.answer}`);
  return verdict.authentic ? 0 : 1;
}

/** `suno-callbacks verify`: resolves with the exit code. */
export async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand('verify', args, OPTIONS, 0);
  const secrets = secretsOption(parsed, 'verify', io.env);
  if (secrets.length === 0) throw new UsageError('--secret is required (or set SUNO_WEBHOOK_SECRET)', 'verify');
  const headersPath = stringOption(parsed, 'headers', 'verify');
  const bodyPath = stringOption(parsed, 'body', 'verify');
  if (headersPath === undefined) throw new UsageError('--headers <file> is required', 'verify');
  if (bodyPath === undefined) throw new UsageError('--body <file> is required', 'verify');
  if (headersPath === '-' && bodyPath === '-') throw new UsageError('only one of --headers and --body can be "-"', 'verify');
  const tolerance = integerOption(parsed, 'tolerance', 'verify', { min: 0, max: 31_536_000 }) ?? 300;
  const now = integerOption(parsed, 'now', 'verify', { min: 0, max: 99_999_999_999 }) ?? Math.floor(Date.now() / 1000);

  let headers: Map<string, string>;
  try {
    headers = parseHeaders(await readTextArgument(headersPath, 'headers', 'verify', io));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--headers ${headersPath}: ${(error as Error).message}`, 'verify');
  }
  const bodyText = await readTextArgument(bodyPath, 'body', 'verify', io);
  const out = printer(io.stdout, io.env);
  const lines: Array<[string, string]> = [];

  let value: unknown;
  let textOnly = false;
  try {
    value = JSON.parse(bodyText);
  } catch {
    textOnly = true;
  }
  // The receiver never refuses an authentic body, even one that is not JSON: it finds the task id in the text.
  const identified = textOnly ? identify(bodyText) : undefined;
  if (textOnly && identified === undefined) {
    const why = 'is not JSON, and no task id was found in its text: nothing to check the signature against';
    return report(out, { authentic: false, answer: '400 invalid_json' }, [['body', why]]);
  }
  if (identified?.paramCut === true) {
    lines.push(['body', 'is not valid JSON only because of its Market `param` echo: the receiver cuts it out and parses the rest']);
    value = identified.parsed;
  } else if (textOnly) {
    lines.push(['body', 'is not valid JSON: the receiver acknowledges it when authentic and reports it as `unrecognized`']);
  }
  const body: JsonObject = isJsonObject(value) ? value : {};
  if (!textOnly && !isJsonObject(value)) {
    return report(out, { authentic: false, answer: '400 invalid_payload' }, [['body', 'is not a JSON object']]);
  }
  const found = identified !== undefined && identified.parsed === undefined
    ? { taskId: identified.taskId, label: 'the raw text' }
    : findTaskIdField(body);
  if (found === undefined) {
    return report(out, { authentic: false, answer: '400 missing_task_id' }, [
      ['task id', `none in ${FIELD_LABELS.join(', ')}: the signature covers the task id, so nothing can be checked`],
    ]);
  }
  const { taskId, label: taskIdField } = found;
  lines.push(['task id', `${taskId} (from ${taskIdField}, the field the receiver uses)`]);
  const model = marketModel(body);
  if (model !== undefined) lines.push(['market', `a kie.ai Market job callback, model ${model} (task id in data.taskId)`]);

  const timestamp = headers.get('x-webhook-timestamp');
  const signature = headers.get('x-webhook-signature');
  const missing = [
    ...(timestamp === undefined || timestamp === '' ? ['X-Webhook-Timestamp'] : []),
    ...(signature === undefined || signature === '' ? ['X-Webhook-Signature'] : []),
  ];
  if (missing.length > 0 || timestamp === undefined || signature === undefined) {
    const them = missing.length === 1 ? 'it' : 'them';
    lines.push(['headers', `missing ${missing.join(' and ')} (the callback was not signed, or the capture dropped ${them})`]);
    return report(out, { authentic: false, answer: '401 missing_signature' }, lines);
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    const hint = /^\d{13}$/.test(timestamp) ? ' (it looks like milliseconds; the provider sends seconds)' : '';
    lines.push(['timestamp', `"${timestamp.slice(0, 40)}" is not a Unix time in seconds${hint}`]);
    return report(out, { authentic: false, answer: '401 stale_timestamp' }, lines);
  }

  const time = describeTime(Number(timestamp), Number(timestamp) - now, tolerance);
  lines.push(['timestamp', time.text]);

  // The signature is judged on its own (as of its own timestamp), so a stale capture still says whether it was genuine.
  const check = (id: string) =>
    checkSignature({ secrets, taskId: id, timestamp, signature, toleranceSeconds: tolerance, now: Number(timestamp) * 1000 });
  const own = check(taskId);
  let signatureOk = false;
  if (own.ok) {
    signatureOk = true;
    const only = Math.abs(Number(timestamp) - now) > tolerance ? ': the callback is genuine, only its time is refused' : '';
    lines.push(['signature', `matches task id ${taskId} with ${secretLabel(own.secretIndex, secrets.length)}${only}`]);
  } else {
    const other = TASK_ID_FIELDS.map((field) => ({ field, id: read(body, field) }))
      .filter((candidate): candidate is { field: TaskIdField; id: string } =>
        candidate.id !== undefined && candidate.id !== taskId)
      .map((candidate) => ({ ...candidate, result: check(candidate.id) }))
      .find((candidate) => candidate.result.ok);
    const hexIndex = hexSignatureMatch(signature, secrets, taskId, timestamp);
    if (other?.result.ok) {
      lines.push([
        'signature',
        `was computed over task id ${other.id} (from ${other.field.label}) with ${secretLabel(other.result.secretIndex, secrets.length)}, ` +
          `but the receiver checks it against ${taskId} (from ${taskIdField}): the sender took the task id from another field`,
      ]);
    } else if (hexIndex !== -1) {
      lines.push(['signature', `is the right HMAC but hex-encoded; the provider (and the receiver) use Base64`]);
    } else if (!/^[A-Za-z0-9+/]{43}=$/.test(signature)) {
      const why = `is not a Base64 HMAC-SHA256 digest (44 characters ending in "="); got ${signature.length} characters`;
      lines.push(['signature', why]);
    } else {
      lines.push([
        'signature',
        `does not match task id ${taskId} with ${secrets.length === 1 ? 'this secret' : `any of the ${secrets.length} secrets`}, ` +
          'nor any other task id in the body: wrong secret (or these headers belong to another callback)',
      ]);
    }
  }

  // The receiver checks the time first, so a stale and badly signed callback is answered stale_timestamp.
  const answer = !time.ok ? '401 stale_timestamp' : !signatureOk ? '401 invalid_signature' : '200 (accepted, unless a duplicate)';
  return report(out, { authentic: time.ok && signatureOk, answer }, lines);
}
